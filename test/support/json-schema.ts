/**
 * A small JSON Schema (2020-12) validator for the keywords bench/results.schema.json uses. It throws
 * on any keyword it does not implement, so a schema can never pass by being silently half-checked.
 * Returns a list of errors as "path: message" (empty when valid).
 */
type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs']);
const KEYWORDS = new Set([
  'type', 'const', 'enum', 'pattern', 'minLength', 'minimum', 'maximum', 'exclusiveMinimum', 'minItems',
  'items', 'properties', 'required', 'additionalProperties', 'oneOf', '$ref',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function hasType(v: unknown, t: string): boolean {
  if (t === 'integer') return typeof v === 'number' && Number.isInteger(v);
  if (t === 'number') return typeof v === 'number' && Number.isFinite(v);
  return typeOf(v) === t;
}

export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  const resolve = (ref: string): Schema => {
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
    let s: unknown = root;
    for (const part of ref.slice(2).split('/')) s = (s as Record<string, unknown>)[part];
    if (s === undefined) throw new Error(`unresolved $ref ${ref}`);
    return s as Schema;
  };
  const walk = (schema: Schema, v: unknown, at: string): void => {
    if (schema === true) return;
    if (schema === false) return void errors.push(`${at}: no value allowed`);
    for (const k of Object.keys(schema)) if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new Error(`validator does not implement keyword '${k}' (at ${at})`);
    if (schema.$ref) walk(resolve(schema.$ref as string), v, at);
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
      if (!types.some((t) => hasType(v, t))) return void errors.push(`${at}: expected ${types.join('|')} but got ${typeOf(v)}`);
    }
    if ('const' in schema && v !== schema.const) errors.push(`${at}: expected ${JSON.stringify(schema.const)}`);
    if (schema.enum && !(schema.enum as unknown[]).includes(v)) errors.push(`${at}: ${JSON.stringify(v)} not in ${JSON.stringify(schema.enum)}`);
    if (typeof v === 'string') {
      if (schema.pattern && !new RegExp(schema.pattern as string, 'u').test(v)) errors.push(`${at}: does not match ${schema.pattern}`);
      if (schema.minLength !== undefined && v.length < (schema.minLength as number)) errors.push(`${at}: shorter than ${schema.minLength}`);
    }
    if (typeof v === 'number') {
      if (schema.minimum !== undefined && !(v >= (schema.minimum as number))) errors.push(`${at}: ${v} < ${schema.minimum}`);
      if (schema.maximum !== undefined && !(v <= (schema.maximum as number))) errors.push(`${at}: ${v} > ${schema.maximum}`);
      if (schema.exclusiveMinimum !== undefined && !(v > (schema.exclusiveMinimum as number))) errors.push(`${at}: ${v} ≤ ${schema.exclusiveMinimum}`);
    }
    if (Array.isArray(v)) {
      if (schema.minItems !== undefined && v.length < (schema.minItems as number)) errors.push(`${at}: fewer than ${schema.minItems} items`);
      if (schema.items !== undefined) v.forEach((x, i) => walk(schema.items as Schema, x, `${at}[${i}]`));
    }
    if (typeOf(v) === 'object') {
      const o = v as Record<string, unknown>;
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      for (const r of (schema.required ?? []) as string[]) if (!(r in o)) errors.push(`${at}: missing '${r}'`);
      for (const [k, x] of Object.entries(o)) {
        if (k in props) walk(props[k], x, `${at}.${k}`);
        else if (schema.additionalProperties !== undefined) walk(schema.additionalProperties as Schema, x, `${at}.${k}`);
      }
    }
    if (schema.oneOf) {
      const ok = (schema.oneOf as Schema[]).filter((s) => validate(wrap(root, s), v).length === 0).length;
      if (ok !== 1) errors.push(`${at}: matches ${ok} of the oneOf alternatives, expected exactly 1`);
    }
  };
  walk(root, value, '$');
  return errors;
}

/** A sub-schema evaluated with the root's $defs in scope. */
function wrap(root: Schema, sub: Schema): Schema {
  if (typeof sub === 'boolean' || typeof root === 'boolean') return sub;
  return { ...sub, $defs: root.$defs } as Schema;
}
