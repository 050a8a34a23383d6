/**
 * How large an MLP OpenCV itself can load: exports single-layer dense MLPs of growing size with
 * exportOpenCv (YAML and XML) and measures, in a python3 + cv2 process, the peak resident memory
 * of cv2.ml.ANN_MLP_load, the load time and the file size. Not a test: run by hand on a quiet machine.
 *
 *   npx tsx bench/opencv-load-memory.ts [weights=1e6,4e6,16e6]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Mlp, exportOpenCv } from '../src/index.js';
import { native } from '../src/native.js';

const sizes = (process.argv[2] ?? '1e6,4e6,16e6').split(',').map(Number);
const py = [process.env.CNN2MLP_PYTHON, 'python3', '/usr/bin/python3'].find((p) => p && spawnSync(p, ['-c', 'import cv2'], { stdio: 'ignore' }).status === 0);
if (!py) throw new Error('needs python3 with cv2 (python3-opencv)');
const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-cvmem-'));
const PROBE = `
import resource, sys, time, cv2
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.time()
m = cv2.ml.ANN_MLP_load(sys.argv[1])
dt = time.time() - t
print(base * 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, dt, m.getLayerSizes().ravel().tolist())
`;
try {
  for (const w of sizes) {
    const n = Math.round(Math.sqrt(w));
    const values = new Float32Array(n * n);
    for (let i = 0; i < values.length; i++) values[i] = Math.fround(Math.sin(i) / n);
    using mlp = new Mlp(native().mlpFromLayers(n, [{ format: 0, rows: n, cols: n, values, act: 1 }]), { layout: 'NHWC', inputShape: [n], outputShape: [n] });
    for (const ext of ['yml', 'xml', 'xml.gz']) {
      const file = path.join(dir, `m.${ext}`);
      const t0 = performance.now();
      await exportOpenCv(mlp, file);
      const exportS = (performance.now() - t0) / 1000;
      const bytes = statSync(file).size;
      const r = spawnSync(py, ['-c', PROBE, file], { encoding: 'utf8' });
      if (r.status !== 0) {
        console.log(`${ext} ${n}x${n}: OpenCV failed: ${r.stderr.trim().split('\n').pop()}`);
        continue;
      }
      const [base, peak, loadS] = r.stdout.trim().split(' ').map(Number);
      const weights = n * (n + 1);
      console.log(
        `${ext} ${n}x${n} (${(weights / 1e6).toFixed(1)}M weights): file ${(bytes / 2 ** 20).toFixed(0)} MiB (${(bytes / weights).toFixed(1)} B/weight), ` +
          `export ${exportS.toFixed(1)} s, load ${loadS.toFixed(1)} s, peak RSS +${((peak - base) / 2 ** 20).toFixed(0)} MiB (${((peak - base) / weights).toFixed(1)} B/weight)`,
      );
      rmSync(file);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
