/**
 * Runs real OpenCV (python3 + cv2, Debian's python3-opencv) on exported ANN_MLP files:
 * cv2.ml.ANN_MLP_load(path).predict(x) with x in float64, so OpenCV's output is its own float64
 * result. The interpreter: test/support/python.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { pythonMissing, pythonWith } from './python.js';

/** A python that imports cv2 and numpy, or null. */
export function opencvPython(): string | null {
  return pythonWith(['cv2', 'numpy']);
}

/** Why the OpenCV checks cannot run here, or undefined. */
export const opencvMissing = (): string | undefined => pythonMissing(['cv2', 'numpy']);

const SCRIPT = `
import json, sys, numpy as np, cv2
out = []
for job in json.load(open(sys.argv[1])):
    m = cv2.ml.ANN_MLP_load(job["model"])
    x = np.fromfile(job["input"], dtype=np.float32).astype(np.float64).reshape(job["n"], -1)
    _, y = m.predict(x)
    y = np.asarray(y, dtype=np.float64)
    y.tofile(job["output"])
    out.append({"layer_sizes": m.getLayerSizes().ravel().tolist(), "shape": list(y.shape), "version": cv2.__version__})
print(json.dumps(out))
`;

export interface OpenCvResult {
  layerSizes: number[];
  output: Float64Array;
  shape: number[];
  version: string;
}

/** Loads each model with cv2.ml.ANN_MLP_load and predicts on its batch (n rows). One python process. */
export function opencvPredict(jobs: { model: string; input: Float32Array; n: number }[]): OpenCvResult[] {
  const py = opencvPython();
  if (!py) throw new Error('no python3 with cv2');
  const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-cv-'));
  try {
    const spec = jobs.map((j, i) => {
      const input = path.join(dir, `x${i}.f32`);
      writeFileSync(input, j.input);
      return { model: j.model, input, n: j.n, output: path.join(dir, `y${i}.f64`) };
    });
    writeFileSync(path.join(dir, 'jobs.json'), JSON.stringify(spec));
    const r = spawnSync(py, ['-c', SCRIPT, path.join(dir, 'jobs.json')], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`OpenCV failed (${r.status}): ${r.stderr}`);
    const info = JSON.parse(r.stdout) as { layer_sizes: number[]; shape: number[]; version: string }[];
    return info.map((o, i) => {
      const b = readFileSync(spec[i].output);
      return { layerSizes: o.layer_sizes, shape: o.shape, version: o.version, output: new Float64Array(b.buffer, b.byteOffset, b.length / 8).slice() };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
