/** loadOnnx on mutated bytes, structural edits, deep nesting and random bytes. */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import * as api from '../../../src/index.js';
import { onnx, type OnnxNs } from '../../../src/formats/onnx-proto.js';
import { exercise, smallModel } from './model.js';
import { byteMutation, evilNumber, mutateBytes, type ByteMutation } from './mutate.js';
import type { FuzzTarget } from './target.js';

let onnxBase: Uint8Array;
let onnxProtoBase: OnnxNs.IModelProto;

/** Protobuf bytes of a ModelProto whose graph nests `depth` subgraphs (node → attribute → g → node …). */
export function deepOnnx(depth: number): Uint8Array {
  // Fields: ModelProto.graph = 7, GraphProto.node = 1, NodeProto.attribute = 5, AttributeProto.g = 6.
  const tags = [0x3a]; // graph (7, LEN)
  for (let k = 0; k < depth; k++) tags.push(0x0a, 0x2a, 0x32); // node, attribute, g
  const varintLen = (v: number) => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5);
  const sizes = new Array<number>(tags.length + 1).fill(0);
  for (let k = tags.length - 1; k >= 0; k--) sizes[k] = 1 + varintLen(sizes[k + 1]) + sizes[k + 1];
  const out = new Uint8Array(sizes[0]);
  let o = 0;
  for (let k = 0; k < tags.length; k++) {
    out[o++] = tags[k];
    let v = sizes[k + 1];
    while (v >= 0x80) {
      out[o++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[o++] = v;
  }
  return out;
}

export interface OnnxCase {
  mode: number; // 0 bytes, 1 structure, 2 deep nesting, 3 random bytes
  bytes: ByteMutation[];
  init: number;
  dims: unknown[];
  dataType: number;
  rawCut: number;
  external: { offset: unknown; length: unknown; location: string } | null;
  attr: number;
  attrValue: unknown[];
  depth: number;
  junk: Uint8Array;
}

export const onnxTarget: FuzzTarget<OnnxCase> = {
  describe: 'loadOnnx(bytes | path) on mutated cnnToOnnx output, structural edits (dims, dtypes, raw lengths, external data offsets/lengths, attributes), deep nesting and random bytes',
  async setup() {
    onnxBase = api.cnnToOnnx(smallModel('NCHW'));
    onnxProtoBase = onnx.ModelProto.toObject(onnx.ModelProto.decode(onnxBase), { longs: Number, bytes: Array }) as OnnxNs.IModelProto;
    await exercise(api.loadOnnx(onnxBase));
  },
  arb: fc.record({
    mode: fc.integer({ min: 0, max: 3 }),
    bytes: fc.array(byteMutation, { minLength: 1, maxLength: 3 }),
    init: fc.nat(),
    dims: fc.array(evilNumber, { maxLength: 5 }),
    dataType: fc.integer({ min: -1, max: 20 }),
    rawCut: fc.integer({ min: -8, max: 8 }),
    external: fc.option(
      fc.record({ offset: fc.oneof(evilNumber, fc.constant('-5'), fc.constant('abc')), length: fc.oneof(evilNumber, fc.constant('1e30')), location: fc.constantFrom('w.bin', '../../etc/passwd', '/dev/zero', 'missing.bin', '') }),
    ),
    attr: fc.nat(),
    attrValue: fc.array(evilNumber, { maxLength: 6 }),
    depth: fc.constantFrom(50, 5_000, 200_000),
    junk: fc.uint8Array({ maxLength: 256 }),
  }),
  async run(c, dir, index) {
    let input: Uint8Array | string;
    if (c.mode === 0) input = mutateBytes(onnxBase, c.bytes);
    else if (c.mode === 2) input = deepOnnx(c.depth);
    else if (c.mode === 3) input = c.junk;
    else {
      const m = structuredClone(onnxProtoBase) as OnnxNs.IModelProto;
      const g = m.graph!;
      const inits = g.initializer ?? [];
      const t = inits[c.init % Math.max(1, inits.length)] as Record<string, unknown> | undefined;
      if (t) {
        if (c.dims.length) t.dims = c.dims;
        if (c.dataType >= 0) t.dataType = c.dataType;
        if (Array.isArray(t.rawData) && c.rawCut) t.rawData = c.rawCut < 0 ? (t.rawData as number[]).slice(0, c.rawCut) : [...(t.rawData as number[]), ...new Array(c.rawCut).fill(1)];
        if (c.external) {
          t.dataLocation = 1;
          t.rawData = undefined;
          t.externalData = [
            { key: 'location', value: c.external.location },
            { key: 'offset', value: String(c.external.offset) },
            { key: 'length', value: String(c.external.length) },
          ];
        }
      }
      const nodes = g.node ?? [];
      const node = nodes[c.attr % Math.max(1, nodes.length)];
      if (node?.attribute?.length && c.attrValue.length) {
        const a = node.attribute[c.attr % node.attribute.length] as Record<string, unknown>;
        a.ints = c.attrValue;
        a.i = c.attrValue[0];
      }
      // Dims or attributes outside int64 make the encoder itself throw; those cases are not loader input.
      let bytes: Uint8Array;
      try {
        bytes = onnx.ModelProto.encode(onnx.ModelProto.fromObject(m)).finish();
      } catch {
        return 'unencodable';
      }
      const file = path.join(dir, `m${index}.onnx`);
      fs.writeFileSync(file, bytes);
      fs.writeFileSync(path.join(dir, 'w.bin'), c.junk);
      input = file;
    }
    const model = api.loadOnnx(input);
    await exercise(model);
    return model;
  },
};
