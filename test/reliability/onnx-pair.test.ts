/**
 * exportOnnx over an existing model, SIGKILLed before each of its file-system operations in turn
 * (onnx-kill-child.ts): afterwards the model file loads and holds exactly the old weights or
 * exactly the new ones, read through the data file it names. The next save then leaves exactly
 * one model and one data file: no temp files, no data of earlier versions.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportOnnx, loadOnnx } from '../../src/index.js';
import { PAIR_EXPORT_OPTIONS, pairTestMlp } from './onnx-pair-model.js';
import type { CnnModel } from '../../src/model/types.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-onnx-pair-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const OLD = 1;
const NEW = 2;

/** An export in a child that SIGKILLs itself before its file-system operation killAt (0: never). */
function exportIn(dir: string, seed: number, killAt: number) {
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join('test', 'reliability', 'onnx-kill-child.ts'), path.join(dir, 'm.onnx'), String(killAt), String(seed)], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { killed: r.signal === 'SIGKILL', ops: Number(/DONE (\d+)/.exec(r.stdout)?.[1] ?? -1), status: r.status, stderr: r.stderr };
}

/** The weights as our own loader reads them back (through the external data the model names). */
function weights(model: CnnModel): Uint32Array[] {
  return model.layers.flatMap((l) => ('weights' in l && l.weights ? [new Uint32Array(Float32Array.from(l.weights as ArrayLike<number>).buffer)] : []));
}
const same = (a: Uint32Array[], b: Uint32Array[]) => a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, k) => v === b[i][k]));

describe('exportOnnx leaves the old pair or the new pair after SIGKILL at any write stage', () => {
  /** A plain export in this process. */
  async function save(dir: string, seed: number): Promise<void> {
    fs.mkdirSync(dir, { recursive: true });
    const mlp = pairTestMlp(seed);
    await exportOnnx(mlp, path.join(dir, 'm.onnx'), PAIR_EXPORT_OPTIONS);
    mlp.dispose();
  }

  it('kills before every file-system operation of an overwrite', async () => {
    await save(path.join(tmp, 'ref-old'), OLD);
    await save(path.join(tmp, 'ref-new'), NEW);
    const oldW = weights(loadOnnx(path.join(tmp, 'ref-old', 'm.onnx')));
    const newW = weights(loadOnnx(path.join(tmp, 'ref-new', 'm.onnx')));
    expect(same(oldW, newW)).toBe(false);

    const seen: string[] = [];
    // Kill before operation 1, 2, … until a run gets through: then every operation was a kill point.
    for (let n = 1; ; n++) {
      const dir = path.join(tmp, `kill-${n}`);
      await save(dir, OLD);
      // a temp file of a save whose process is gone, for the next save to remove
      fs.writeFileSync(path.join(dir, '.m.onnx.tmp-999999999-dead'), 'x');
      const r = exportIn(dir, NEW, n);
      if (!r.killed) {
        expect(r.status, r.stderr).toBe(0);
        expect(r.ops).toBe(n - 1);
        expect(r.ops).toBeGreaterThan(8);
        break;
      }
      const now = weights(loadOnnx(path.join(dir, 'm.onnx')));
      const state = same(now, oldW) ? 'old' : same(now, newW) ? 'new' : 'mismatched';
      seen.push(state);
      expect(state, `killed before operation ${n}: ${r.stderr}`).not.toBe('mismatched');
      // The next save cleans up whatever the killed one left.
      await save(dir, NEW);
      const left = fs.readdirSync(dir).filter((f) => f !== 'm.onnx');
      expect(left, `after a kill before operation ${n} and a full save`).toEqual([expect.stringMatching(/^m\.onnx\.[0-9a-f]{12}\.data$/)]);
      expect(same(weights(loadOnnx(path.join(dir, 'm.onnx'))), newW)).toBe(true);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(seen).toContain('old');
    expect(seen).toContain('new');
    console.log(`exportOnnx SIGKILL stages: ${seen.length} (old pair after ${seen.filter((s) => s === 'old').length}, new pair after ${seen.filter((s) => s === 'new').length})`);
  }, 600_000);
});
