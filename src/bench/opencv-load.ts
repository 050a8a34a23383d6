/**
 * How large an MLP OpenCV itself can load: exports single-layer dense MLPs of growing size with
 * exportOpenCv (YAML, XML, gzipped XML) and measures, in a python3 + cv2 process, the peak resident
 * memory of cv2.ml.ANN_MLP_load, the load time and the file size. Not a test: run by hand on a
 * quiet machine (bench/opencv-load-memory.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Mlp } from '../mlp/mlp.js';
import { exportOpenCv } from '../formats/opencv.js';
import { native } from '../native.js';
import { fmtMiB } from './format.js';

const PROBE = `
import resource, sys, time, cv2
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.time()
m = cv2.ml.ANN_MLP_load(sys.argv[1])
dt = time.time() - t
print(base * 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, dt, m.getLayerSizes().ravel().tolist())
`;

/** A python3 that imports cv2 ($CNN2MLP_PYTHON first), or undefined. */
function pythonWithCv2(): string | undefined {
  return [process.env.CNN2MLP_PYTHON, 'python3', '/usr/bin/python3'].find((p) => p && spawnSync(p, ['-c', 'import cv2'], { stdio: 'ignore' }).status === 0);
}

/** An n × n dense MLP (ReLU) with deterministic weights of magnitude ~1/n. */
function squareMlp(n: number): Mlp {
  const values = new Float32Array(n * n);
  for (let i = 0; i < values.length; i++) values[i] = Math.fround(Math.sin(i) / n);
  return new Mlp(native().mlpFromLayers(n, [{ format: 0, rows: n, cols: n, values, act: 1 }]), { layout: 'NHWC', inputShape: [n], outputShape: [n] });
}

/** Exports `mlp` as `ext` in `dir`, loads it in OpenCV and returns the line of figures. */
async function measureOne(py: string, dir: string, mlp: Mlp, n: number, ext: string): Promise<string> {
  const file = path.join(dir, `m.${ext}`);
  try {
    const t0 = performance.now();
    await exportOpenCv(mlp, file);
    const exportS = (performance.now() - t0) / 1000;
    const bytes = statSync(file).size;
    const r = spawnSync(py, ['-c', PROBE, file], { encoding: 'utf8' });
    if (r.status !== 0) return `${ext} ${n}x${n}: OpenCV failed: ${r.stderr.trim().split('\n').pop()}`;
    const [base, peak, loadS] = r.stdout.trim().split(' ').map(Number);
    const weights = n * (n + 1);
    return (
      `${ext} ${n}x${n} (${(weights / 1e6).toFixed(1)}M weights): file ${fmtMiB(bytes)} (${(bytes / weights).toFixed(1)} B/weight), ` +
      `export ${exportS.toFixed(1)} s, load ${loadS.toFixed(1)} s, peak RSS +${fmtMiB(peak - base)} (${((peak - base) / weights).toFixed(1)} B/weight)`
    );
  } finally {
    rmSync(file, { force: true });
  }
}

/** One line per size (weights, rounded to a square) and format, passed to `onLine` as measured. */
export async function benchOpenCvLoad(sizes: number[], onLine: (line: string) => void = console.log): Promise<void> {
  const py = pythonWithCv2();
  if (!py) throw new Error('needs python3 with cv2 (python3-opencv)');
  const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-cvmem-'));
  try {
    for (const w of sizes) {
      const n = Math.round(Math.sqrt(w));
      using mlp = squareMlp(n);
      for (const ext of ['yml', 'xml', 'xml.gz']) onLine(await measureOne(py, dir, mlp, n, ext));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
