/** Stable error codes, so callers can branch on `err.code` rather than on message text. */
export type Cnn2MlpErrorCode =
  | 'ERR_INVALID_ARG' // a value of the wrong type or size
  | 'ERR_INVALID_MODEL' // a model description that cannot run (shapes, fields, layer kinds)
  | 'ERR_NOT_CONVERTIBLE' // a layer with no exact MLP equivalent
  | 'ERR_NON_FINITE' // NaN or Infinity where finite values are required
  | 'ERR_TOO_LARGE' // would exceed maxBytes, available memory or a format's limit
  | 'ERR_BAD_FILE' // a model or MLP file that is truncated, corrupted or not what it claims
  | 'ERR_UNSUPPORTED' // a valid construct that cnn2mlp does not implement (op, dtype, version)
  | 'ERR_DISPOSED' // a native object used after dispose()
  | 'ERR_ABORTED' // an AbortSignal fired
  | 'ERR_NATIVE'; // the addon failed to load or reported an internal failure

// Marks the class in every copy of the package one process may hold (the ES and CommonJS builds
// are two copies; a sync loader run from TypeScript sources under tsx loads a CommonJS copy).
const BRAND = Symbol.for('cnn2mlp.Cnn2MlpError');

/** The one error class cnn2mlp throws. `code` is stable; `message` says what was wrong and what to do. */
export class Cnn2MlpError extends Error {
  readonly code: Cnn2MlpErrorCode;
  constructor(code: Cnn2MlpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Cnn2MlpError';
    this.code = code;
  }

  /** `err instanceof Cnn2MlpError` holds for a Cnn2MlpError from any copy of cnn2mlp. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }
}
Object.defineProperty(Cnn2MlpError.prototype, BRAND, { value: true });

/** Describes a received value for "Expected X for Y but received Z" messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : `${typeof value} ${value}`;
  if (typeof value === 'string') return `string '${value.length > 40 ? value.slice(0, 40) + '…' : value}'`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return `${typeof value} ${String(value)}`;
}

export function invalidArg(expected: string, what: string, received: unknown): Cnn2MlpError {
  return new Cnn2MlpError('ERR_INVALID_ARG', `Expected ${expected} for ${what} but received ${describe(received)}`);
}

/** Re-throws a native error as a Cnn2MlpError, keeping the caller's stack (created at call time). */
export function fromNative(err: unknown, callSite: Error): Cnn2MlpError {
  if (err instanceof Cnn2MlpError) return err;
  const e = err as { message?: string; code?: string };
  const message = e?.message ?? String(err);
  const known = typeof e?.code === 'string' && e.code.startsWith('ERR_') ? (e.code as Cnn2MlpErrorCode) : nativeCode(message);
  const out = new Cnn2MlpError(known, message, { cause: err });
  out.stack = `${out.name}: ${message}\n${(callSite.stack ?? '').split('\n').slice(1).join('\n')}`;
  return out;
}

function nativeCode(message: string): Cnn2MlpErrorCode {
  if (/too large|out of memory|exceed/i.test(message)) return 'ERR_TOO_LARGE';
  if (/disposed/i.test(message)) return 'ERR_DISPOSED';
  if (/NaN|Infinity|non-finite/i.test(message)) return 'ERR_NON_FINITE';
  if (/file|corrupt|truncat|checksum|magic/i.test(message)) return 'ERR_BAD_FILE';
  return 'ERR_INVALID_ARG';
}
