/**
 * The networks benchmark end to end at a reduced input (64 × 64, batch 1, 1 thread, 2 reps): the
 * CLI's JSON shape, the Markdown file, and that every engine agreed with the others. Structure and
 * correctness only, never speed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agree, modelMacs, type NetworksRun } from '../../src/bench/networks-run.js';
import { resNet50 } from '../../src/bench/networks.js';

const root = path.join(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn2mlp-networks-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('bench/networks.ts --quick', () => {
  it('prints JSON for every network, agreeing with onnxruntime and tfjs-wasm, and writes the Markdown', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/networks.ts', '--quick', '--json', '--size', '64', '--reps', '2', '--out', dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const run = JSON.parse(out) as NetworksRun;
    expect(run.meta.size).toBe(64);
    expect(run.meta.kernels.length).toBeGreaterThan(0);
    expect(run.rows.map((r) => r.network)).toEqual(['mobilenetv2', 'resnet18', 'resnet50']);
    for (const r of run.rows) {
      expect(r).toMatchObject({ batch: 1, threads: 1 });
      expect(r.check.passed, `${r.network}: max abs diff ${r.check.maxAbsDiff} > ${r.check.tolerance}`).toBe(true);
      expect(r.tfjsCheck?.passed, `${r.network}: tfjs ${JSON.stringify(r.tfjsCheck)}`).toBe(true);
      for (const t of [r.cnn2mlp!, r.ort!, r.tfjs!]) {
        expect(t.reps).toBe(2);
        expect(t.minMs).toBeGreaterThan(0);
        expect(t.minMs).toBeLessThanOrEqual(t.medianMs);
      }
      expect(r.ratio).toBeCloseTo(r.cnn2mlp!.medianMs / r.ort!.medianMs, 10);
      expect(Number.isFinite(r.gflops)).toBe(true);
    }
    const md = fs.readdirSync(dir).filter((f) => /^networks-\d{4}-\d{2}-\d{2}-.+\.md$/.test(f));
    expect(md).toHaveLength(1);
    const text = fs.readFileSync(path.join(dir, md[0]), 'utf8');
    expect(text.match(/^\| (mobilenetv2|resnet18|resnet50) \|/gm)).toHaveLength(3);
  }, 120_000);
});

describe('networks helpers', () => {
  it('ResNet-50 at 224 has the published 4.1 GMACs (conv + fc, torchvision v1.5)', () => {
    // torchvision's ResNet-50 is 4.09 GFLOPs counted as MACs; the folded BN adds none
    expect(modelMacs(resNet50()) / 1e9).toBeCloseTo(4.09, 1);
  });

  it('agree() fails a difference above 1e-4 × max |reference| and any NaN', () => {
    const ref = new Float32Array([100, -50, 1]);
    expect(agree(new Float32Array([100.005, -50, 1]), ref).passed).toBe(true);
    expect(agree(new Float32Array([100.02, -50, 1]), ref).passed).toBe(false);
    expect(agree(new Float32Array([100, NaN, 1]), ref).passed).toBe(false);
    expect(agree(new Float32Array([100, -50]), ref).passed).toBe(false);
  });
});
