/**
 * ONNX's own backend test cases (Debian's libonnx-testdata: data/<suite>/<case>/model.onnx and
 * test_data_set_0/{input,output}_k.pb). cnn2mlp models have one data input, so a case's inputs
 * after the first (a Conv's W, a Clip's bounds, a Reshape's shape…) are bound as initializers from
 * the case's own data: the model then computes exactly what the case expects from input 0.
 */
import fs from 'node:fs';
import path from 'node:path';
import { onnx, type OnnxNs } from '../../src/formats/onnx-proto.js';
import { decodeTensor, type Tensor } from '../../src/formats/onnx/tensor.js';

export const ONNX_TESTDATA = '/usr/share/libonnx-testdata/data';

export interface BackendCase {
  suite: string;
  name: string;
  dir: string;
  /** the model with inputs 1… bound as initializers */
  bytes: Uint8Array;
  opset: number;
  ops: string[];
  input: Tensor;
  output: Tensor;
  /** inputs after the first that were bound as constants */
  bound: string[];
}

function readTensor(file: string): { proto: OnnxNs.TensorProto; t: Tensor } {
  const proto = onnx.TensorProto.decode(fs.readFileSync(file));
  return { proto, t: decodeTensor(proto, {}, path.basename(file)) };
}

/** All cases of a suite (sorted), or [] when the data is not installed. */
export function backendCases(suite: string): string[] {
  const dir = path.join(ONNX_TESTDATA, suite);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((c) => fs.existsSync(path.join(dir, c, 'model.onnx')) && fs.existsSync(path.join(dir, c, 'test_data_set_0')))
    .sort();
}

/** Reads a case; undefined (with the reason) when its data cannot be read as float tensors. */
export function readCase(suite: string, name: string): BackendCase | string {
  const dir = path.join(ONNX_TESTDATA, suite, name);
  const model = onnx.ModelProto.decode(fs.readFileSync(path.join(dir, 'model.onnx')));
  const graph = model.graph!;
  const inits = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((v) => !inits.has(v.name));
  const data = path.join(dir, 'test_data_set_0');
  const ops = [...new Set((graph.node ?? []).map((n) => n.opType ?? ''))].sort();
  const opset = Number((model.opsetImport ?? []).find((e) => !e.domain || e.domain === 'ai.onnx')?.version ?? 0);
  if ((graph.output ?? []).length !== 1) return `${graph.output?.length ?? 0} outputs`;
  if (inputs.length === 0) return 'no inputs';
  let input: Tensor;
  let output: Tensor;
  const bound: string[] = [];
  try {
    input = readTensor(path.join(data, 'input_0.pb')).t;
    output = readTensor(path.join(data, 'output_0.pb')).t;
    for (let k = 1; k < inputs.length; k++) {
      const file = path.join(data, `input_${k}.pb`);
      if (!fs.existsSync(file)) continue; // an omitted optional input
      const { proto } = readTensor(file);
      graph.initializer = [...(graph.initializer ?? []), { ...proto, name: inputs[k].name }];
      bound.push(inputs[k].name ?? '');
    }
  } catch (err) {
    return `test data: ${(err as Error).message}`;
  }
  if (!(input.data instanceof Float32Array) || !(output.data instanceof Float32Array)) return 'non-float input or output';
  graph.input = (graph.input ?? []).filter((v) => !bound.includes(v.name ?? ''));
  return { suite, name, dir, bytes: onnx.ModelProto.encode(model).finish(), opset, ops, input, output, bound };
}
