/** The benchmark's one set of number formatters (tables, progress notes, text reports). */

const MISSING = '–';

/** An integer with thousands separators; '–' when not finite. */
export const fmtInt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : MISSING);

/** A time in ms with 0–3 decimals by magnitude; '–' when absent or not finite. */
export const fmtMs = (ms: number | undefined): string =>
  ms === undefined || !Number.isFinite(ms) ? MISSING : ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);

/** A byte count in decimal units (kB, MB, GB). */
export const fmtBytes = (b: number): string => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(1)} kB`);

/** A byte count in binary mebibytes, no decimals (memory and file sizes). */
export const fmtMiB = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;

/** A fraction as a percentage with one decimal; '–' when null or not finite. */
export const pct = (f: number | null | undefined): string => (f === null || f === undefined || !Number.isFinite(f) ? MISSING : `${(100 * f).toFixed(1)}%`);

/** `v` with `digits` decimals; '–' when not finite. */
export const fixed = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : MISSING);

/** A Markdown table. */
export function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
