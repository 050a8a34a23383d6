/** Malformed and unsupported inputs: each must give a clear Cnn2MlpError, never a crash or a wrong model. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cnn2MlpError } from '../../src/errors.js';
import { loadOnnx } from '../../src/formats/onnx.js';
import { loadTfjs } from '../../src/formats/tfjs.js';
import { onnx, type OnnxNs } from '../../src/formats/onnx-proto.js';
import { runCnn } from '../../src/cnn/cnn.js';
import { referenceCnn } from '../support/reference-cnn.js';
import { ChainBuilder, ints, rand, s, tensorProto } from '../support/onnx-builders.js';
import { expectClose, expectNearReference, runOrt } from '../support/compare.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-malformed-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function expectError(fn: () => unknown, code: string, ...fragments: (string | RegExp)[]): Cnn2MlpError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(Cnn2MlpError);
  const err = caught as Cnn2MlpError;
  expect(err.code).toBe(code);
  for (const f of fragments) expect(err.message).toMatch(f);
  return err;
}

const convGraph = () => {
  const g = new ChainBuilder([1, 2, 5, 5]);
  return g.op('Conv', [g.init([3, 2, 3, 3], rand(54, 1), { raw: true }), g.init([3], rand(3, 2))]).op('Relu');
};

/** Writes `proto` (a ModelProto object) and returns its path. */
function writeModel(name: string, proto: OnnxNs.IModelProto): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish());
  return file;
}

describe('ONNX: malformed files', () => {
  it('truncated protobuf → ERR_BAD_FILE', () => {
    const bytes = convGraph().bytes();
    expectError(() => loadOnnx(bytes.subarray(0, Math.floor(bytes.length * 0.6))), 'ERR_BAD_FILE', /not a valid ONNX protobuf/);
  });

  it('garbage bytes and a missing path → ERR_BAD_FILE', () => {
    expectError(() => loadOnnx(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3])), 'ERR_BAD_FILE');
    expectError(() => loadOnnx(path.join(tmp, 'nope.onnx')), 'ERR_BAD_FILE', /cannot read/);
  });

  it('initializer with the wrong number of bytes / values → ERR_BAD_FILE', () => {
    const g = convGraph();
    g.inits[0].rawData = (g.inits[0].rawData as Uint8Array).subarray(0, 200);
    expectError(() => loadOnnx(g.bytes()), 'ERR_BAD_FILE', /200 bytes of raw data/, /need 216/);
    const h = convGraph();
    h.inits[1].floatData = [1, 2];
    expectError(() => loadOnnx(h.bytes()), 'ERR_BAD_FILE', /2 float_data values/);
  });

  it('negative or absurd dims → ERR_BAD_FILE', () => {
    const g = convGraph();
    g.inits[1].dims = [-3];
    expectError(() => loadOnnx(g.bytes()), 'ERR_BAD_FILE', /dimension -3/);
    const h = convGraph();
    h.inits[0].dims = [1e6, 1e6, 1e6, 3];
    expectError(() => loadOnnx(h.bytes()), 'ERR_BAD_FILE', /absurd|elements/);
    const m = convGraph().model();
    m.graph!.input![0].type!.tensorType!.shape!.dim![2] = { dimValue: -5 };
    expectError(() => loadOnnx(onnx.ModelProto.encode(onnx.ModelProto.create(m)).finish()), 'ERR_BAD_FILE', /dimension 2 is -5/);
    const s = convGraph().model();
    s.graph!.input![0].type!.tensorType!.shape!.dim![3] = { dimParam: 'W' };
    expectError(() => loadOnnx(onnx.ModelProto.encode(onnx.ModelProto.create(s)).finish()), 'ERR_UNSUPPORTED', /symbolic 'W'/);
  });

  it('unknown and unsupported dtypes → ERR_UNSUPPORTED', () => {
    const g = convGraph();
    g.inits[1].dataType = 99;
    expectError(() => loadOnnx(g.bytes()), 'ERR_UNSUPPORTED', /unknown data type 99/);
    const h = convGraph();
    h.inits[1] = { ...tensorProto(h.inits[1].name!, [3], rand(3, 1)), dataType: 10, floatData: [], int32Data: [1, 2, 3] };
    expectError(() => loadOnnx(h.bytes()), 'ERR_UNSUPPORTED', /FLOAT16/);
    const m = convGraph().model();
    m.graph!.input![0].type!.tensorType!.elemType = 11;
    expectError(() => loadOnnx(onnx.ModelProto.encode(onnx.ModelProto.create(m)).finish()), 'ERR_UNSUPPORTED', /DOUBLE/);
  });

  it("cyclic graph → ERR_BAD_FILE naming the cycle, even off the output's path", () => {
    const g = convGraph();
    // t_a = Relu(t_b), t_b = Relu(t_a) hanging off nothing: a loop the chain walk would never leave
    g.nodes.push({ name: 'loopA', opType: 'Relu', input: ['tb'], output: ['ta'] }, { name: 'loopB', opType: 'Relu', input: ['ta'], output: ['tb'] });
    expectError(() => loadOnnx(g.bytes()), 'ERR_BAD_FILE', /cycle/, /loopA/, /loopB/);
    const self = new ChainBuilder([1, 4]);
    self.nodes.push({ name: 'selfloop', opType: 'Add', input: ['x', 'y'], output: ['y'] });
    self.cur = 'y';
    expectError(() => loadOnnx(self.bytes()), 'ERR_BAD_FILE', /cycle/, /selfloop/);
  });

  it('a residual branch loads as a graph and agrees with onnxruntime; a dead side branch is dropped', async () => {
    const g = convGraph();
    const relu = g.cur;
    g.op('Relu');
    g.nodes.push({ name: 'residual', opType: 'Add', input: [relu, g.cur], output: ['sum'] });
    g.cur = 'sum';
    const model = loadOnnx(g.bytes());
    expect(model.layers.map((l) => l.type)).toContain('add');
    const input = rand(2 * 50, 3);
    expectClose(await runCnn(model, input), await runOrt(g.bytes(), input, [2, 2, 5, 5]));
    const fork = convGraph();
    const t = fork.cur;
    fork.op('Sigmoid');
    fork.nodes.push({ name: 'side', opType: 'Tanh', input: [t], output: ['other'] });
    // the Tanh side branch is not on the way to the output: only conv, its Relu and the Sigmoid remain
    expect(loadOnnx(fork.bytes()).layers.map((l) => l.type)).toEqual(['conv2d', 'activation', 'activation']);
  });

  it('unsupported op → ERR_UNSUPPORTED naming op, node and the supported list', () => {
    const g = convGraph().op('LRN', [], { size: { i: 3 } as never });
    const err = expectError(() => loadOnnx(g.bytes()), 'ERR_UNSUPPORTED', /'LRN'/, /LRN_\d+/, /would need a new layer kind/, /Supported on data: .*Conv, ConvTranspose/);
    expect(err.message).toMatch(/node 2/);
    expectError(() => loadOnnx(convGraph().op('Softmax', [], { axis: { i: 1 } as never }).bytes()), 'ERR_UNSUPPORTED', /Softmax/);
    expectError(() => loadOnnx(convGraph().op('Abs').bytes()), 'ERR_UNSUPPORTED', /'Abs' on data/, /only on constants/);
    const pad = convGraph();
    pad.op('Pad', [pad.init([8], [0, 0, 1, 1, 0, 0, 1, 1])], { mode: s('reflect') });
    expectError(() => loadOnnx(pad.bytes()), 'ERR_UNSUPPORTED', /mode 'reflect'/, /only constant padding/);
  });

  it('NaN weights and a kernel larger than its input are caught at load time', () => {
    const g = convGraph();
    g.inits[1].floatData = [0, NaN, 1];
    expectError(() => loadOnnx(g.bytes()), 'ERR_INVALID_MODEL', /does not describe a runnable CNN/, /bias\[1\] is NaN/);
    const big = new ChainBuilder([1, 1, 2, 2]);
    big.op('Conv', [big.init([1, 1, 3, 3], rand(9, 1))]);
    expectError(() => loadOnnx(big.bytes()), 'ERR_INVALID_MODEL', /larger than the padded input/);
  });

  it('opset outside 1..21 → ERR_UNSUPPORTED', () => {
    const g = convGraph();
    g.opset = 0;
    expectError(() => loadOnnx(g.bytes()), 'ERR_UNSUPPORTED', /opset 0/);
    g.opset = 22;
    expectError(() => loadOnnx(g.bytes()), 'ERR_UNSUPPORTED', /opset 22/);
  });
});

describe('ONNX external data', () => {
  function externalModel(location: string, offset: number, weights: Float32Array, lengthOverride?: number) {
    const g = new ChainBuilder([1, 2, 4, 4]);
    g.op('Conv', ['w_ext'], { pads: ints([1, 1, 1, 1]) });
    g.inits.push({
      name: 'w_ext',
      dims: [3, 2, 3, 3],
      dataType: 1,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(lengthOverride ?? weights.length * 4) },
      ],
    });
    return g;
  }
  const weights = rand(54, 5);

  it('reads data_location EXTERNAL at an offset and agrees with onnxruntime', async () => {
    const dir = path.join(tmp, 'ext');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    const blob = new Uint8Array(64 + weights.byteLength);
    blob.set(new Uint8Array(weights.buffer), 64);
    fs.writeFileSync(path.join(dir, 'sub', 'weights.bin'), blob);
    const g = externalModel('sub/weights.bin', 64, weights);
    const file = writeModel('ext/model.onnx', g.model());
    const model = loadOnnx(file);
    const input = rand(2 * 32, 6);
    expectNearReference(await runOrt(file, input, [2, 2, 4, 4]), model, input, 2, 'onnxruntime');
    // bytes alone cannot locate the file
    expectError(() => loadOnnx(fs.readFileSync(file)), 'ERR_INVALID_ARG', /pass the model's path/);
  });

  it('missing external data file → ERR_BAD_FILE', () => {
    const file = writeModel('missing-ext.onnx', externalModel('gone.bin', 0, weights).model());
    expectError(() => loadOnnx(file), 'ERR_BAD_FILE', /cannot open external data file/, /gone\.bin/);
  });

  it('external data file too short, or a length that disagrees with dims → ERR_BAD_FILE', () => {
    fs.writeFileSync(path.join(tmp, 'short.bin'), new Uint8Array(100));
    expectError(() => loadOnnx(writeModel('short.onnx', externalModel('short.bin', 0, weights).model())), 'ERR_BAD_FILE', /has 100 bytes/);
    expectError(() => loadOnnx(writeModel('len.onnx', externalModel('short.bin', 0, weights, 12).model())), 'ERR_BAD_FILE', /length 12/);
  });

  it('paths escaping the model directory are refused', () => {
    for (const loc of ['../outside.bin', '/etc/passwd', 'a/../../x.bin'])
      expectError(() => loadOnnx(writeModel('escape.onnx', externalModel(loc, 0, weights).model())), 'ERR_BAD_FILE', /escapes/);
  });
});

describe('TF.js: malformed files', () => {
  /** A minimal valid Sequential model.json + one shard (Dense 3 → 2). */
  function writeTfjs(dir: string, mutate: (json: Record<string, any>, bin: { data: Uint8Array }) => void = () => {}): string {
    fs.mkdirSync(dir, { recursive: true });
    const json: Record<string, any> = {
      format: 'layers-model',
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, activation: 'relu', use_bias: true, batch_input_shape: [null, 3], dtype: 'float32' } }] },
      },
      weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'd/kernel', shape: [3, 2], dtype: 'float32' }, { name: 'd/bias', shape: [2], dtype: 'float32' }] }],
    };
    const bin = { data: new Uint8Array(rand(8, 1).buffer) };
    mutate(json, bin);
    fs.writeFileSync(path.join(dir, 'w.bin'), bin.data);
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    return path.join(dir, 'model.json');
  }

  it('a valid minimal model loads (control for the cases below)', () => {
    const m = loadTfjs(writeTfjs(path.join(tmp, 'tf-ok')));
    expect(m.inputShape).toEqual([3]);
    expect(m.layers[0]).toMatchObject({ type: 'dense', units: 2 });
  });

  it('a Keras 3 style functional topology (inbound_nodes as {args: [keras tensor]}) loads', () => {
    const file = writeTfjs(path.join(tmp, 'tf-k3'), (j) => {
      j.modelTopology = {
        class_name: 'Functional',
        config: {
          name: 'k3',
          layers: [
            { name: 'in', class_name: 'InputLayer', config: { batch_shape: [null, 3], name: 'in' }, inbound_nodes: [] },
            { name: 'd', class_name: 'Dense', config: { name: 'd', units: 2 }, inbound_nodes: [{ args: [{ class_name: '__keras_tensor__', config: { keras_history: ['in', 0, 0] } }], kwargs: {} }] },
          ],
          input_layers: [['in', 0, 0]],
          output_layers: [['d', 0, 0]],
        },
      };
    });
    const m = loadTfjs(file);
    expect(m.inputShape).toEqual([3]);
    // Dense 3 → 2 with kernel [3, 2] then bias, as stored: y = x · W + b
    const w = rand(8, 1);
    const y = referenceCnn(m, Float32Array.of(1, 2, 3), 1).y;
    for (let u = 0; u < 2; u++) expect(y[u]).toBeCloseTo(w[u] + 2 * w[2 + u] + 3 * w[4 + u] + w[6 + u], 6);
  });

  it('missing weight shard → ERR_BAD_FILE', () => {
    const file = writeTfjs(path.join(tmp, 'tf-missing'), (j) => j.weightsManifest[0].paths.push('w2.bin'));
    expectError(() => loadTfjs(file), 'ERR_BAD_FILE', /cannot read weight shard/, /w2\.bin/);
  });

  it('shard byte size mismatch → ERR_BAD_FILE', () => {
    const file = writeTfjs(path.join(tmp, 'tf-short'), (_j, bin) => (bin.data = bin.data.subarray(0, 28)));
    expectError(() => loadTfjs(file), 'ERR_BAD_FILE', /holds 28 bytes/, /need 32/);
  });

  it('non-float32 weights and unknown quantizations → ERR_UNSUPPORTED; quantization without min/scale → ERR_BAD_FILE', () => {
    const file = writeTfjs(path.join(tmp, 'tf-int'), (j) => (j.weightsManifest[0].weights[1].dtype = 'int32'));
    expectError(() => loadTfjs(file), 'ERR_UNSUPPORTED', /dtype/, /int32/);
    const b = writeTfjs(path.join(tmp, 'tf-bool'), (j) => (j.weightsManifest[0].weights[1].dtype = 'bool'));
    expectError(() => loadTfjs(b), 'ERR_UNSUPPORTED', /dtype/, /bool/);
    const q = writeTfjs(path.join(tmp, 'tf-q'), (j) => (j.weightsManifest[0].weights[0].quantization = { dtype: 'int4', scale: 1, min: 0 }));
    expectError(() => loadTfjs(q), 'ERR_UNSUPPORTED', /quantization/, /int4/);
    const noMin = writeTfjs(path.join(tmp, 'tf-q2'), (j, bin) => {
      j.weightsManifest[0].weights[0].quantization = { dtype: 'uint8', scale: 0.1 };
      bin.data = bin.data.subarray(0, 6 + 8);
    });
    expectError(() => loadTfjs(noMin), 'ERR_BAD_FILE', /min/, /scale/);
  });

  it('negative or absurd weight dims, weight shape not matching the layer → ERR_BAD_FILE', () => {
    const neg = writeTfjs(path.join(tmp, 'tf-neg'), (j) => (j.weightsManifest[0].weights[1].shape = [-2]));
    expectError(() => loadTfjs(neg), 'ERR_BAD_FILE', /invalid dimension -2/);
    const huge = writeTfjs(path.join(tmp, 'tf-huge'), (j) => (j.weightsManifest[0].weights[1].shape = [1e6, 1e6]));
    expectError(() => loadTfjs(huge), 'ERR_BAD_FILE', /absurd/);
    const wrong = writeTfjs(path.join(tmp, 'tf-wrong'), (j) => {
      j.weightsManifest[0].weights[0].shape = [2, 3];
    });
    expectError(() => loadTfjs(wrong), 'ERR_BAD_FILE', /shape \[2, 3\], expected \[3, 2\]/);
  });

  it("not JSON, unsupported layer, channels_first, shared layers; a functional model's dead branch is dropped", () => {
    const dir = path.join(tmp, 'tf-garbage');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'model.json'), '{"modelTopology": ');
    expectError(() => loadTfjs(path.join(dir, 'model.json')), 'ERR_BAD_FILE', /JSON/);
    const lstm = writeTfjs(path.join(tmp, 'tf-lstm'), (j) => (j.modelTopology.config.layers[0].class_name = 'LSTM'));
    expectError(() => loadTfjs(lstm), 'ERR_UNSUPPORTED', /'LSTM'/, /Supported: InputLayer, Conv2D/);
    const shared = writeTfjs(path.join(tmp, 'tf-shared'), (j) => {
      j.modelTopology = {
        class_name: 'Model',
        config: {
          name: 'm',
          layers: [
            { name: 'in', class_name: 'InputLayer', config: { batch_input_shape: [null, 3], name: 'in' }, inbound_nodes: [] },
            { name: 'd', class_name: 'Dense', config: { name: 'd', units: 2 }, inbound_nodes: [[['in', 0, 0, {}]], [['in', 0, 0, {}]]] },
          ],
          input_layers: [['in', 0, 0]],
          output_layers: [['d', 0, 0]],
        },
      };
    });
    expectError(() => loadTfjs(shared), 'ERR_UNSUPPORTED', /called 2 times/, /shared layer/);
    const cf = writeTfjs(path.join(tmp, 'tf-cf'), (j) => {
      j.modelTopology.config.layers.unshift({ class_name: 'Flatten', config: { name: 'f', data_format: 'channels_first', batch_input_shape: [null, 3] } });
      delete j.modelTopology.config.layers[1].config.batch_input_shape;
    });
    expectError(() => loadTfjs(cf), 'ERR_UNSUPPORTED', /channels_last/);
    const branch = writeTfjs(path.join(tmp, 'tf-branch'), (j) => {
      j.modelTopology = {
        class_name: 'Model',
        config: {
          name: 'm',
          layers: [
            { name: 'in', class_name: 'InputLayer', config: { batch_input_shape: [null, 3], name: 'in' }, inbound_nodes: [] },
            { name: 'd', class_name: 'Dense', config: { name: 'd', units: 2 }, inbound_nodes: [[['in', 0, 0, {}]]] },
            { name: 'e', class_name: 'Activation', config: { name: 'e', activation: 'relu' }, inbound_nodes: [[['in', 0, 0, {}]]] },
          ],
          input_layers: [['in', 0, 0]],
          output_layers: [['d', 0, 0]],
        },
      };
    });
    expect(loadTfjs(branch).layers.map((l) => l.type)).toEqual(['dense']);
  });
});
