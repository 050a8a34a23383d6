/** The Markdown report: the header, a headline of peer ratios, then one short renderer per section. */
import { fmtBytes, fmtInt, fmtMs, pct, table } from '../format.js';
import type { BenchResults } from './types.js';

/** `![name](file)` for the plot whose file ends with `name`.svg, when one was written. */
function image(svgNames: string[], name: string): string[] {
  const file = svgNames.find((s) => s.endsWith(`${name}.svg`));
  return file ? [`![${name}](${file})`, ''] : [];
}

function header(r: BenchResults): string[] {
  const m = r.meta;
  const peers = Object.entries(m.versions).filter(([k]) => k !== 'cnn2mlp' && k !== 'napi' && k !== 'v8');
  return [
    `# cnn2mlp benchmark — ${m.date}`,
    '',
    `- CPU: ${m.cpu.brand} (${m.cpu.vendor}), ${m.cpu.logicalCores} logical cores; ISAs ${m.cpu.isas.join(', ')}; active ${m.cpu.activeIsa}`,
    `- Memory: ${fmtBytes(m.memoryBytes.total)} total, ${fmtBytes(m.memoryBytes.availableAtStart)} available at start`,
    `- Node ${m.node} (${m.platform}), cnn2mlp ${m.versions.cnn2mlp}, git ${m.git.commit.slice(0, 12)}${m.git.dirty ? ' (dirty)' : ''}`,
    `- Peers: ${peers.map(([k, v]) => `${k} ${v}`).join(', ')}`,
    ...m.peers.map((p) => `- tfjs ${p.backend}: ${p.note}`),
    `- Mode: ${m.quick ? 'quick (CI-sized shapes)' : 'full'}; batches ${m.options.batches.join(', ')}; threads ${m.options.threads.join(', ')}; budget ${m.options.budgetMs} ms per configuration; run took ${(r.durationMs / 1000).toFixed(1)} s`,
    `- ${m.note}`,
    '',
  ];
}

/** cnn2mlp ÷ peer time ratios, one row per workload × peer, one column per batch × threads. */
function headline(r: BenchResults): string[] {
  if (!r.peerRatios.length) return [];
  const cfg = (p: { batch: number; threads: number }) => `b${p.batch} t${p.threads}`;
  const cfgs = [...new Set(r.peerRatios.map(cfg))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const keys = [...new Set(r.peerRatios.map((p) => `${p.workload}|${p.engine}|${p.peer}`))];
  const rows = keys.map((k) => {
    const [wl, engine, peer] = k.split('|');
    const at = (c: string) => r.peerRatios.find((x) => x.workload === wl && x.engine === engine && x.peer === peer && cfg(x) === c);
    return [wl, engine, peer, ...cfgs.map((c) => at(c)?.ratio.toFixed(2) ?? '–')];
  });
  return ['## Headline: cnn2mlp time ÷ peer time (below 1: cnn2mlp faster)', '', table(['workload', 'cnn2mlp engine', 'peer', ...cfgs], rows), ''];
}

function machine(r: BenchResults): string[] {
  const out = ['## 1. Machine limits', ''];
  if (!r.machine) return [...out, 'Not measured (see Skipped).', ''];
  const fma = r.machine.fmaPeak;
  const rows = r.machine.readBandwidth.map((b, i) => [String(b.threads), (b.bytesPerSecond / 1e9).toFixed(1), ((fma[i]?.flopsPerSecond ?? NaN) / 1e9).toFixed(1)]);
  return [...out, table(['threads', 'read bandwidth (GB/s)', 'fp32 FMA peak (GFLOP/s)'], rows), ''];
}

function seedTable(r: BenchResults): string[] {
  const out = ["## 2. The seed's table", '', 'Exact sizes per sample; times are medians (ms per call, whole batch), p10–p90 in the JSON.', ''];
  const { batches, threads } = r.meta.options;
  const cfgs = batches.flatMap((b) => threads.map((t) => [b, t] as const));
  const rows = r.workloads
    .filter((w) => w.workload.startsWith('seed'))
    .map((w) => {
      const at = (b: number, t: number) => r.measurements.find((x) => x.workload === w.workload && x.engine === `cnn2mlp-${w.engine}` && x.batch === b && x.threads === t);
      const pub = w.published ? `${fmtInt(w.published.macs ?? NaN)} MACs, ${fmtInt(w.published.weights ?? NaN)} w, ${w.published.ms}` : '–';
      return [w.workload, w.engine, fmtInt(w.macs), fmtInt(w.weights), fmtInt(w.nonzeros), fmtBytes(w.bytes), ...cfgs.map(([b, t]) => fmtMs(at(b, t)?.timing.medianMs)), pub];
    });
  if (!rows.length) return [...out, 'No seed workloads run.', ''];
  return [...out, table(['workload', 'form', 'MACs', 'weights', 'nonzeros', 'bytes', ...cfgs.map(([b, t]) => `b${b} t${t} ms`), 'seed published'], rows), '', ...sparseVsCnn(r, cfgs)];
}

/** One line per seed network: the 'auto' MLP's time (fp32 and bf16) over the direct CNN's, per configuration. */
function sparseVsCnn(r: BenchResults, cfgs: (readonly [number, number])[]): string[] {
  const ms = (wl: string, engine: string, b: number, t: number) => r.measurements.find((x) => x.workload === wl && x.engine === engine && x.batch === b && x.threads === t)?.timing.medianMs;
  const wls = [...new Set(r.workloads.filter((w) => w.workload.startsWith('seed') && w.engine === 'mlp-auto').map((w) => w.workload))];
  const ratios = (wl: string, engine: string) =>
    cfgs.map(([b, t]) => {
      const a = ms(wl, engine, b, t), c = ms(wl, 'cnn2mlp-cnn', b, t);
      return `b${b} t${t} ${a !== undefined && c !== undefined ? `${(a / c).toFixed(2)}×` : '–'}`;
    });
  return wls.flatMap((wl) => [
    `Sparse vs CNN, ${wl} (format 'auto' MLP ÷ direct CNN): fp32 ${ratios(wl, 'cnn2mlp-mlp-auto').join(', ')}; bf16 ${ratios(wl, 'cnn2mlp-mlp-auto-bf16').join(', ')}`,
    '',
  ]);
}

function limits(r: BenchResults, svgNames: string[]): string[] {
  const out = [
    '## 3. Fraction of the limits',
    '',
    'GFLOP/s = 2·MACs·batch / median; GB/s = (weights + activations) bytes / median; AI = FLOP/byte. The read bandwidth is DRAM bandwidth: ' +
      'a working set that stays in cache between calls (the CNNs, the small CSR MLPs) can exceed 100% of it. The limits are measured once at ' +
      'the start, on a shared machine: a peak measured while other jobs ran can be exceeded later.',
    '',
  ];
  const fr = r.measurements.filter((x) => x.section === 'seed' || x.section === 'peers');
  const head = ['workload', 'engine', 'batch', 'threads', 'median ms', 'GFLOP/s', '% FMA peak', 'GB/s', '% read BW', 'AI'];
  const row = (x: (typeof fr)[number]) => [x.workload, x.engine, String(x.batch), String(x.threads), fmtMs(x.timing.medianMs), x.gflops.toFixed(2), pct(x.fracPeak), x.gbps.toFixed(2), pct(x.fracBandwidth), (x.flops / x.bytes).toFixed(2)];
  if (fr.length) out.push(table(head, fr.map(row)), '');
  return [...out, ...image(svgNames, 'roofline')];
}

function peers(r: BenchResults): string[] {
  const out = ['## 4. Peers on identical work', '', 'Same weights and inputs; outputs checked equal (section 7) before timing. ratio = cnn2mlp ms ÷ peer ms (below 1: cnn2mlp faster).', ''];
  const peerRows = r.measurements.filter((x) => x.section === 'peers');
  if (!peerRows.length) return [...out, 'No peers run.', ''];
  const rows = peerRows.map((x) => {
    const pr = r.peerRatios.find((p) => p.workload === x.workload && p.peer === x.engine && p.batch === x.batch && p.threads === x.threads);
    return [x.workload, x.engine, String(x.batch), String(x.threads), `${fmtMs(x.timing.medianMs)} (${fmtMs(x.timing.p10Ms)}–${fmtMs(x.timing.p90Ms)})`, fmtMs(pr?.cnn2mlpMs), pr ? pr.ratio.toFixed(2) : '–'];
  });
  return [...out, table(['workload', 'peer', 'batch', 'threads', 'peer ms (p10–p90)', 'cnn2mlp ms', 'ratio'], rows), ''];
}

function scaling(r: BenchResults, svgNames: string[]): string[] {
  const out = ['## 5. Scaling with input side n', ''];
  const sc = r.measurements.filter((x) => x.section === 'scaling');
  if (!r.scaling || !sc.length) return [...out, 'Not run (see Skipped).', ''];
  const { slopes, theory } = r.scaling;
  const ns = [...new Set(sc.map((x) => x.params!.n))].sort((a, b) => a - b);
  const engines = Object.keys(theory);
  const ms = (n: number, e: string) => fmtMs(sc.find((x) => x.params!.n === n && x.engine === e)?.timing.medianMs);
  out.push(table(['n', ...engines.map((e) => `${e} ms`)], ns.map((n) => [String(n), ...engines.map((e) => ms(n, e))])), '');
  out.push(table(['engine', 'fitted slope (upper half of n)', 'theory'], engines.map((e) => [e, slopes[e]?.toFixed(2) ?? '–', `n^${theory[e]}`])), '');
  return [...out, ...image(svgNames, 'scaling')];
}

function crossover(r: BenchResults, svgNames: string[]): string[] {
  const out = ['## 6. Dense vs CSR crossover', ''];
  const cx = r.measurements.filter((x) => x.section === 'crossover');
  if (!r.crossover || !cx.length) return [...out, 'Not run (see Skipped).', ''];
  const ds = [...new Set(cx.map((x) => x.params!.density))].sort((a, b) => b - a);
  const bs = [...new Set(cx.map((x) => x.batch))];
  const ms = (d: number, b: number, f: string) => fmtMs(cx.find((x) => x.params!.density === d && x.batch === b && x.engine.endsWith(f))?.timing.medianMs);
  out.push(table(['density', ...bs.flatMap((b) => [`dense b${b} ms`, `CSR b${b} ms`])], ds.map((d) => [String(d), ...bs.flatMap((b) => ['dense', 'csr'].map((f) => ms(d, b, f)))])), '');
  for (const c of r.crossover)
    out.push(`- ${c.rows}×${c.cols}, batch ${c.batch}: CSR beats dense below density ${c.crossoverDensity === null ? '– (no crossing in the range)' : c.crossoverDensity.toFixed(3)}`);
  return [...out, '', ...image(svgNames, 'crossover')];
}

function checksAndSkips(r: BenchResults): string[] {
  const out = ['## 7. Equivalence checks', ''];
  const checkRow = (c: BenchResults['checks'][number]) => [
    c.workload,
    c.candidate,
    c.reference,
    c.maxAbsErr.toExponential(2),
    c.tolerance.toExponential(2),
    c.precision === 'bf16' ? `${c.argmaxDiffers} (bf16)` : '–',
    c.passed ? 'yes' : '**NO**',
  ];
  if (r.checks.length) {
    out.push('bf16 candidates have weights rounded to bf16: their tolerance adds 8·2⁻⁹·layers·(1 + max|ref|), and "argmax differs" counts the samples whose prediction changed.', '');
    out.push(table(['workload', 'candidate', 'reference', 'max abs diff', 'tolerance', 'argmax differs', 'passed'], r.checks.map(checkRow)), '');
  }
  else out.push('None ran.', '');
  out.push('## Skipped', '');
  if (r.skipped.length) out.push(table(['section', 'what', 'reason'], r.skipped.map((s) => [s.section, s.what, s.reason.replace(/\|/g, '\\|')])), '');
  else out.push('Nothing.', '');
  return out;
}

/** The Markdown report: meta, then one table per section, checks and skips. */
export function renderMarkdown(r: BenchResults, svgNames: string[] = []): string {
  return [
    ...header(r),
    ...headline(r),
    ...machine(r),
    ...seedTable(r),
    ...limits(r, svgNames),
    ...peers(r),
    ...scaling(r, svgNames),
    ...crossover(r, svgNames),
    ...checksAndSkips(r),
  ].join('\n');
}
