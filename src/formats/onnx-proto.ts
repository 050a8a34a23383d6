/**
 * The ONNX protobuf schema (the `onnx-proto` package: protobufjs static code generated from onnx.proto),
 * plus small helpers shared by the ONNX loader and exporters.
 */
import { createRequire } from 'node:module';
import type { onnx as OnnxNs } from 'onnx-proto';

const require = createRequire(import.meta.url);
let schema: typeof OnnxNs | undefined;
// onnx-proto is CommonJS (module.exports = { onnx }): loaded the CommonJS way, on the first use of
// `onnx` (a loader or exporter call) rather than at import('cnn2mlp'); it pulls in protobufjs.
export const onnx: typeof OnnxNs = new Proxy({} as typeof OnnxNs, {
  get: (_, key) => Reflect.get((schema ??= (require('onnx-proto') as { onnx: typeof OnnxNs }).onnx), key),
});
export type { OnnxNs };

/** protobufjs decodes int64 as Long (or number); returns a JS number, or NaN when not exactly representable. */
export function toNum(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'toNumber' in v) {
    const l = v as { toNumber(): number; toString(): string };
    // Beyond 2^53 the nearest double: still an integer, so size checks call it absurd, and INT64_MAX
    // (exporters' "to the end") still clamps. NaN is reserved for "unknown" (the batch size).
    return l.toNumber();
  }
  return NaN;
}

/** ONNX TensorProto.DataType names, for messages. */
export const DTYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED',
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
  17: 'FLOAT8E4M3FN',
  18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ',
  21: 'UINT4',
  22: 'INT4',
  23: 'FLOAT4E2M1',
};
