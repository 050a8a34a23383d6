/**
 * Benchmark plots: vega-lite specs compiled with vega-lite and rendered to SVG by vega's
 * View.toSVG() headless (renderer 'none', no canvas needed). Each builder returns the vega-lite
 * spec, so the report can keep the spec next to the SVG.
 */
import type { TopLevelSpec } from 'vega-lite';

/** Renders a vega-lite spec to an SVG string. vega and vega-lite are dev dependencies: loaded on
 *  first use, so an installed package without them still runs the benchmarks (without plots). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One kernel/configuration on the roofline. */
export interface RooflinePoint {
  /** engine (colour) */
  label: string;
  /** configuration, e.g. 'b1' / 'b32' (shape) */
  config?: string;
  /** FLOP per byte of memory traffic (weights + activations read/written once) */
  intensity: number;
  gflops: number;
}

/**
 * Roofline: log-log arithmetic intensity (FLOP/byte) against GFLOP/s, with the memory ceiling
 * (bandwidth × intensity) meeting the compute ceiling (FMA peak), and one point per measurement.
 */
export function rooflineSpec(points: RooflinePoint[], peakGflops: number, bandwidthGBs: number, title: string): TopLevelSpec {
  const xs = points.map((p) => p.intensity).filter((x) => x > 0 && Number.isFinite(x));
  const xmin = Math.min(0.05, ...xs) / 2;
  const xmax = Math.max(100, ...xs) * 2;
  const ridge = peakGflops / bandwidthGBs;
  const ceiling: Array<{ x: number; y: number; ceiling: string }> = [];
  for (const x of [xmin, Math.max(xmin, Math.min(ridge, xmax)), xmax])
    ceiling.push({ x, y: Math.min(peakGflops, bandwidthGBs * x), ceiling: 'min(peak, bandwidth × intensity)' });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: `ceilings: FMA peak ${peakGflops.toFixed(1)} GFLOP/s, read bandwidth ${bandwidthGBs.toFixed(1)} GB/s (ridge at ${ridge.toFixed(1)} FLOP/byte)` },
    width: 560,
    height: 360,
    layer: [
      {
        data: { values: ceiling },
        mark: { type: 'line', color: '#888', strokeDash: [4, 3] },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: { type: 'log', domain: [xmin, xmax] }, title: 'arithmetic intensity (FLOP/byte)' },
          y: { field: 'y', type: 'quantitative', scale: { type: 'log' }, title: 'GFLOP/s' },
        },
      },
      {
        data: { values: points.filter((p) => p.intensity > 0 && p.gflops > 0) },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'intensity', type: 'quantitative', scale: { type: 'log' } },
          y: { field: 'gflops', type: 'quantitative', scale: { type: 'log' } },
          color: { field: 'label', type: 'nominal', title: 'engine', legend: { labelLimit: 400 } },
          shape: { field: 'config', type: 'nominal', title: 'config' },
        },
      },
    ],
  };
}

/** One timing of the scaling sweep. */
export interface ScalingPoint {
  n: number;
  engine: string;
  ms: number;
}

/** Log-log time against input side n, one line per engine; `fits` is shown in the legend labels. */
export function scalingSpec(points: ScalingPoint[], slopes: Record<string, number>, title: string): TopLevelSpec {
  const values = points
    .filter((p) => p.ms > 0)
    .map((p) => ({ ...p, series: `${p.engine} (slope ${Number.isFinite(slopes[p.engine]) ? slopes[p.engine].toFixed(2) : '–'})` }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 560,
    height: 360,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'n', type: 'quantitative', scale: { type: 'log' }, title: 'input side n (n×n×3)' },
      y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'median ms per sample (batch 1)' },
      color: { field: 'series', type: 'nominal', title: 'engine (fitted log-log slope)', legend: { labelLimit: 400, titleLimit: 400 } },
    },
  };
}

/** One timing of the density crossover. */
export interface CrossoverPoint {
  density: number;
  format: string;
  batch: number;
  ms: number;
}

/** Time against density (log x), dense and CSR per batch size. */
export function crossoverSpec(points: CrossoverPoint[], title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 560,
    height: 360,
    data: { values: points.filter((p) => p.ms > 0).map((p) => ({ ...p, series: `${p.format} batch ${p.batch}` })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'density', type: 'quantitative', scale: { type: 'log' }, title: 'density (nonzeros / entries)' },
      y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'median ms per call' },
      color: { field: 'series', type: 'nominal', title: 'format / batch' },
    },
  };
}

/** Horizontal bars: median ms per engine for one workload. */
export function barsSpec(rows: Array<{ engine: string; config: string; ms: number }>, title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 520,
    data: { values: rows.filter((r) => r.ms > 0) },
    mark: 'bar',
    encoding: {
      y: { field: 'engine', type: 'nominal', title: null },
      x: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'median ms per call (log)' },
      row: { field: 'config', type: 'nominal', title: null },
      color: { field: 'engine', type: 'nominal', legend: null },
    },
  };
}

/** Least-squares slope of log(y) on log(x); NaN with fewer than two usable points. */
export function logLogSlope(xs: number[], ys: number[]): number {
  const pts = xs.map((x, i) => [x, ys[i]]).filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y));
  if (pts.length < 2) return NaN;
  const lx = pts.map(([x]) => Math.log(x));
  const ly = pts.map(([, y]) => Math.log(y));
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return den > 0 ? num / den : NaN;
}
