/** A GraphDef node as TF.js stores it (protobuf JSON) and typed readers of its attributes. */
import { isObj, type Json } from './weights.js';

export interface GNode {
  name: string;
  op: string;
  input: string[];
  attr: Json;
}

export function attrInts(n: GNode, key: string): number[] | undefined {
  const a = n.attr[key];
  if (!isObj(a) || !isObj(a.list)) return undefined;
  const v = a.list.i;
  return Array.isArray(v) ? v.map(Number) : [];
}
export function attrStr(n: GNode, key: string): string | undefined {
  const a = n.attr[key];
  return isObj(a) && typeof a.s === 'string' ? Buffer.from(a.s, 'base64').toString('utf8') : undefined;
}
export function attrStrs(n: GNode, key: string): string[] {
  const a = n.attr[key];
  const v = isObj(a) && isObj(a.list) ? a.list.s : undefined;
  return Array.isArray(v) ? v.map((s) => Buffer.from(String(s), 'base64').toString('utf8')) : [];
}
export function attrNum(n: GNode, key: string, def: number): number {
  const a = n.attr[key];
  if (!isObj(a)) return def;
  if (a.f !== undefined) return Number(a.f);
  if (a.i !== undefined) return Number(a.i);
  return def;
}
export function attrBool(n: GNode, key: string): boolean {
  const a = n.attr[key];
  return isObj(a) && a.b === true;
}
