/**
 * The few TensorFlow protobuf messages cnn2mlp reads, decoded with protobufjs. Field numbers are
 * those of the public TensorFlow protos: tensorflow/core/protobuf/tensor_bundle.proto,
 * tensorflow/core/framework/{tensor_shape,tensor,types,versions,attr_value,node_def,graph}.proto and
 * tensorflow/core/protobuf/meta_graph.proto. Only the fields used here are declared; protobufjs
 * skips the others.
 */
import { createRequire } from 'node:module';
import type protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package cnn2mlp.tf;

message TensorShapeProto {
  message Dim { int64 size = 1; string name = 2; }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}
message VersionDef { int32 producer = 1; int32 min_consumer = 2; repeated int32 bad_consumers = 3; }
message TensorSliceProto {
  message Extent { int64 start = 1; int64 length = 2; }
  repeated Extent extent = 1;
}
message BundleHeaderProto {
  int32 num_shards = 1;
  int32 endianness = 2; // 0 LITTLE, 1 BIG
  VersionDef version = 3;
}
message BundleEntryProto {
  int32 dtype = 1;
  TensorShapeProto shape = 2;
  int32 shard_id = 3;
  int64 offset = 4;
  int64 size = 5;
  fixed32 crc32c = 6;
  repeated TensorSliceProto slices = 7;
}
message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  bytes tensor_content = 4;
  repeated float float_val = 5;
  repeated int32 int_val = 7;
  repeated int64 int64_val = 10;
}
message AttrValue {
  message ListValue {
    repeated bytes s = 2;
    repeated int64 i = 3;
    repeated float f = 4;
    repeated bool b = 5;
    repeated int32 type = 6;
    repeated TensorShapeProto shape = 7;
  }
  oneof value {
    ListValue list = 1;
    bytes s = 2;
    int64 i = 3;
    float f = 4;
    bool b = 5;
    int32 type = 6;
    TensorShapeProto shape = 7;
    TensorProto tensor = 8;
  }
}
message NodeDef {
  string name = 1;
  string op = 2;
  repeated string input = 3;
  string device = 4;
  map<string, AttrValue> attr = 5;
}
message GraphDef { repeated NodeDef node = 1; VersionDef versions = 4; }
message MetaGraphDef {
  message MetaInfoDef { string meta_graph_version = 1; repeated string tags = 4; string tensorflow_version = 5; string tensorflow_git_version = 6; }
  MetaInfoDef meta_info_def = 1;
  GraphDef graph_def = 2;
}
`;

let root: protobuf.Root | undefined;

function types() {
  // protobufjs (~40 modules) loads on the first checkpoint read, not at import('cnn2mlp').
  root ??= (createRequire(import.meta.url)('protobufjs') as typeof protobuf).parse(SCHEMA, { keepCase: true }).root;
  return {
    header: root.lookupType('cnn2mlp.tf.BundleHeaderProto'),
    entry: root.lookupType('cnn2mlp.tf.BundleEntryProto'),
    metaGraph: root.lookupType('cnn2mlp.tf.MetaGraphDef'),
  };
}

/** TensorFlow DataType enum values (types.proto); `_REF` variants add 100. */
export const DT = { FLOAT: 1, DOUBLE: 2, INT32: 3, UINT8: 4, INT16: 5, INT8: 6, STRING: 7, INT64: 9, BOOL: 10, HALF: 19, RESOURCE: 20 } as const;
const DT_NAMES: Record<number, string> = {
  1: 'DT_FLOAT', 2: 'DT_DOUBLE', 3: 'DT_INT32', 4: 'DT_UINT8', 5: 'DT_INT16', 6: 'DT_INT8', 7: 'DT_STRING',
  8: 'DT_COMPLEX64', 9: 'DT_INT64', 10: 'DT_BOOL', 14: 'DT_BFLOAT16', 17: 'DT_UINT16', 19: 'DT_HALF',
  20: 'DT_RESOURCE', 21: 'DT_VARIANT', 22: 'DT_UINT32', 23: 'DT_UINT64',
};
export function dtypeName(dt: number): string {
  return DT_NAMES[dt] ?? (DT_NAMES[dt - 100] ? `${DT_NAMES[dt - 100]}_REF` : `DataType(${dt})`);
}

export interface TfShape { dim?: { size?: number | Long }[]; unknown_rank?: boolean }
type Long = { toNumber(): number };

export interface BundleHeader { num_shards: number; endianness: number; version?: { producer?: number; min_consumer?: number } }
export interface BundleEntry { dtype: number; shape?: TfShape; shard_id: number; offset: number; size: number; crc32c: number; slices?: unknown[] }

export interface AttrValue {
  list?: { s?: Uint8Array[]; i?: (number | Long)[]; f?: number[]; b?: boolean[] };
  s?: Uint8Array;
  i?: number | Long;
  f?: number;
  b?: boolean;
  type?: number;
  shape?: TfShape;
  tensor?: { dtype?: number; tensor_shape?: TfShape; tensor_content?: Uint8Array; float_val?: number[]; int_val?: number[]; int64_val?: (number | Long)[] };
}
export interface NodeDef { name: string; op: string; input: string[]; attr: Record<string, AttrValue> }
export interface MetaGraph { meta_info_def?: { tensorflow_version?: string }; graph_def?: { node?: NodeDef[] } }

export function toNumber(v: number | Long | undefined | null): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

export function shapeDims(s: TfShape | undefined): number[] {
  return (s?.dim ?? []).map((d) => toNumber(d.size));
}

function decode<T>(type: protobuf.Type, bytes: Uint8Array): T {
  const msg = type.decode(bytes);
  return type.toObject(msg, { longs: Number, defaults: true, arrays: true, objects: true }) as T;
}

/** Throws protobufjs errors (caller wraps them as ERR_BAD_FILE). */
export function decodeHeader(bytes: Uint8Array): BundleHeader {
  return decode(types().header, bytes);
}
export function decodeEntry(bytes: Uint8Array): BundleEntry {
  return decode(types().entry, bytes);
}
export function decodeMetaGraph(bytes: Uint8Array): MetaGraph {
  // longs stay Long objects here would be slower to handle; Number is exact for every attr we read.
  return decode(types().metaGraph, bytes);
}
