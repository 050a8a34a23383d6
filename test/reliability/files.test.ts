/**
 * Files: every writer goes through a temporary file and a rename, so a process killed mid-save
 * never leaves a partial file under the target name and the previous file there survives intact;
 * loaders never write (directory listing, sizes and mtimes unchanged after loading).
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { repoRoot } from '../fuzz/harness.js';
import { sharedFixturesDir } from '../support/shared-fixtures.js';
import { smallModel } from '../fuzz/targets/model.js';
import { tfjsJson, tfjsShard } from '../fuzz/targets/tfjs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-files-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

type Writer = 'saveMlp' | 'exportOnnx' | 'exportOpenCv';
const EXT: Record<Writer, string> = { saveMlp: '.mlp', exportOnnx: '.onnx', exportOpenCv: '.yml' };
// Big enough that the save takes a while (so the kill lands mid-write), small enough for CI.
const SIZE: Record<Writer, [number, number]> = { saveMlp: [4096, 8192], exportOnnx: [4096, 8192], exportOpenCv: [1024, 2048] };

/** Runs writer-child, SIGKILLs it as soon as a temporary file in `dir` holds ≥ 1 MB; returns what it saw. */
function killMidSave(writer: Writer, dir: string, target: string, known: Set<string>): Promise<{ tempSeen: string; tempBytes: number; done: boolean }> {
  const [rows, cols] = SIZE[writer];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-expose-wasm', '--import', 'tsx', path.join('test', 'reliability', 'writer-child.ts'), writer, target, String(rows), String(cols), '7'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let seen = { tempSeen: '', tempBytes: 0 };
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const poll = setInterval(() => {
      for (const name of fs.readdirSync(dir)) {
        if (known.has(name)) continue;
        let size = 0;
        try {
          size = fs.statSync(path.join(dir, name)).size;
        } catch {
          continue; // renamed meanwhile
        }
        if (size >= 2 ** 20 && !seen.tempSeen) {
          seen = { tempSeen: name, tempBytes: size };
          child.kill('SIGKILL');
        }
      }
    }, 2);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', () => {
      clearInterval(poll);
      clearTimeout(timer);
      if (!seen.tempSeen && !out.includes('DONE')) reject(new Error(`writer child ended without a temp file or DONE: ${err.slice(-1500)}`));
      else resolve({ ...seen, done: out.includes('DONE') });
    });
  });
}

describe('files: atomic writes', () => {
  const previous = api.mlpFromLayers(3, [{ format: 'dense', rows: 2, cols: 3, values: Float32Array.from([1, 2, 3, 4, 5, 6]), activation: 'relu' }]);

  for (const writer of ['saveMlp', 'exportOnnx', 'exportOpenCv'] as Writer[]) {
    it(`${writer}: SIGKILL mid-save leaves the previous file intact, no partial file under the target name, and temp files the next save removes`, async () => {
      const dir = fs.mkdtempSync(path.join(tmp, `${writer}-`));
      const target = path.join(dir, `model${EXT[writer]}`);
      if (writer === 'saveMlp') await api.saveMlp(previous, target);
      else if (writer === 'exportOnnx') await api.exportOnnx(previous, target);
      else await api.exportOpenCv(previous, target);
      const before = new Map(fs.readdirSync(dir).map((n) => [n, sha(path.join(dir, n))]));
      const seen = await killMidSave(writer, dir, target, new Set(before.keys()));
      // The kill must have landed during the write for this test to mean anything.
      expect(seen.done, 'the save finished before the kill; enlarge SIZE').toBe(false);
      expect(seen.tempSeen).not.toBe('');
      for (const [name, digest] of before) expect(sha(path.join(dir, name)), `${name} changed`).toBe(digest);
      // The previous file still loads and gives the previous answer.
      if (writer === 'saveMlp') {
        const back = await api.loadMlp(target);
        expect(Array.from(await api.runMlp(back, Float32Array.from([1, 1, 1])))).toEqual([6, 15]);
        back.dispose();
      } else if (writer === 'exportOnnx') {
        expect(api.loadOnnx(target).inputShape).toEqual([3]);
      } else expect(fs.readFileSync(target, 'utf8')).toMatch(/opencv_ml_ann_mlp/);
      // Leftovers are only temporary names (never the target's).
      const left = fs.readdirSync(dir).filter((n) => !before.has(n));
      console.log(`${writer}: killed with ${seen.tempBytes} bytes in ${seen.tempSeen}; leftovers: ${left.join(', ') || 'none'}`);
      for (const n of left) expect(n).toMatch(/tmp/);
      // The next save of the same target removes what the killed one left.
      if (writer === 'saveMlp') await api.saveMlp(previous, target);
      else if (writer === 'exportOnnx') await api.exportOnnx(previous, target);
      else await api.exportOpenCv(previous, target);
      expect(fs.readdirSync(dir).filter((n) => n.includes('tmp'))).toEqual([]);
    }, 90_000);
  }
});

describe('files: loading never writes', () => {
  it('loadMlp, loadOnnx, loadTfjs and loadCheckpoint leave directory listings, sizes and mtimes unchanged', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'ro-'));
    const mlp = await api.convert(smallModel(), { format: 'csr' });
    await api.saveMlp(mlp, path.join(dir, 'm.mlp'));
    await api.exportOnnx(mlp, path.join(dir, 'm.onnx'), { externalThreshold: 0 });
    fs.writeFileSync(path.join(dir, 'cnn.onnx'), api.cnnToOnnx(smallModel('NCHW')));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(tfjsJson()));
    fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), tfjsShard());
    mlp.dispose();
    const ckpt = sharedFixturesDir() && path.join(sharedFixturesDir()!, 'tf-checkpoint', 'mnist-tflayers-estimator');
    const ckDir = path.join(dir, 'ckpt');
    fs.mkdirSync(ckDir);
    if (ckpt && fs.existsSync(ckpt)) for (const f of fs.readdirSync(ckpt)) fs.copyFileSync(path.join(ckpt, f), path.join(ckDir, f));
    else console.warn('skipping the checkpoint part: shared fixture tf-checkpoint/mnist-tflayers-estimator not found');
    const snapshot = (d: string): string[] =>
      fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(d, e.name);
        const st = fs.statSync(p);
        return e.isDirectory() ? [`${p}/ ${st.mtimeMs}`, ...snapshot(p)] : [`${p} ${st.size} ${st.mtimeMs}`];
      });
    // Old mtimes make any rewrite visible even within the filesystem's timestamp granularity.
    const old = new Date('2020-01-01T00:00:00Z');
    const touchAll = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) touchAll(p);
        fs.utimesSync(p, old, old);
      }
      fs.utimesSync(d, old, old);
    };
    touchAll(dir);
    const before = snapshot(dir);
    const a = await api.loadMlp(path.join(dir, 'm.mlp'));
    a.dispose();
    const b = await api.loadMlp(path.join(dir, 'm.mlp'), { verify: false });
    b.dispose();
    api.loadOnnx(path.join(dir, 'cnn.onnx'));
    api.loadOnnx(path.join(dir, 'm.onnx'));
    api.loadTfjs(path.join(dir, 'model.json'));
    if (fs.readdirSync(ckDir).length) await api.loadCheckpoint(path.join(ckDir, 'model.ckpt-20000'));
    expect(snapshot(dir)).toEqual(before);
  });
});
