/** loadCheckpoint on mutated copies of a TF 1.x estimator checkpoint. */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import * as api from '../../../src/index.js';
import { sharedFixturesDir } from '../../support/shared-fixtures.js';
import { byteMutation, mutateBytes, type ByteMutation } from './mutate.js';
import type { FuzzTarget } from './target.js';

let ckptSrc: string | undefined;
const CKPT_FILES = ['model.ckpt-20000.index', 'model.ckpt-20000.data-00000-of-00001', 'model.ckpt-20000.meta'];

export interface CkptCase {
  file: number;
  bytes: ByteMutation[];
}

export const checkpointTarget: FuzzTarget<CkptCase> = {
  describe: 'loadCheckpoint(prefix) on temp copies of the TF 1.5 estimator checkpoint with one of .index/.data/.meta mutated',
  async setup() {
    const base = sharedFixturesDir();
    const d = base && path.join(base, 'tf-checkpoint', 'mnist-tflayers-estimator');
    if (!d || !CKPT_FILES.every((f) => fs.existsSync(path.join(d, f))))
      return 'shared fixture tf-checkpoint/mnist-tflayers-estimator not found (looked in <repo>/../shared/fixtures, $CNN2MLP_SHARED/fixtures, /work/shared/fixtures)';
    ckptSrc = d;
  },
  arb: fc.record({ file: fc.integer({ min: 0, max: 2 }), bytes: fc.array(byteMutation, { minLength: 1, maxLength: 3 }) }),
  async run(c, dir, index) {
    const d = path.join(dir, `ckpt${index}`);
    fs.mkdirSync(d);
    try {
      CKPT_FILES.forEach((f, k) => {
        const src = fs.readFileSync(path.join(ckptSrc!, f));
        fs.writeFileSync(path.join(d, f), k === c.file ? mutateBytes(src, c.bytes) : src);
      });
      // The checkpoint's model is MNIST-sized: loading is the target; running it is covered by e2e tests.
      return await api.loadCheckpoint(path.join(d, 'model.ckpt-20000'));
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  },
};
