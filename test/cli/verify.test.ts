/**
 * `verify` never gives false assurance: a reference that could not run is NOT RUN (never ok) and
 * the exit code says so; a fixed-batch ONNX export is fed one batch-sized slice per run; the
 * reason a peer failed is printed in full; --format picks the MLP that is built.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnx } from '../../src/formats/onnx-proto.js';
import { cli, ensureBuilt, fixedBatchOnnx, json } from './cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-cli-verify-'));
const fixed = path.join(dir, 'fixed-b1.onnx');
const fixed2 = path.join(dir, 'fixed-b2.onnx');
beforeAll(() => {
  ensureBuilt();
  writeFileSync(fixed, fixedBatchOnnx(1));
  writeFileSync(fixed2, fixedBatchOnnx(2));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('verify: a peer that cannot run is not a pass', () => {
  it('a fixed batch of 1 is fed sample by sample, and onnxruntime-node really ran', () => {
    const v = json(cli(['verify', fixed, '--samples', '5', '--json']));
    const ort = v.comparisons.find((c: any) => c.engine === 'onnxruntime-node');
    expect(ort.status).toBe('ok');
    expect(ort.ok).toBe(true);
    expect(ort.reason).toMatch(/fixed at 1/);
    expect(Number(ort.maxAbsError)).toBeLessThan(1e-4);
    expect(v.complete).toBe(true);
    expect(v.ok).toBe(true);
  });

  it('a peer that cannot run: NOT RUN, ok false, no NaN numbers, full reason, exit 3 (or 0 with --allow-missing-peers)', () => {
    // 5 samples do not split into runs of the fixed batch 2: onnxruntime-node cannot take them
    const r = cli(['verify', fixed2, '--samples', '5']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/onnxruntime-node\s+NOT RUN: the model's batch dimension is fixed at 2/);
    expect(r.stdout).not.toMatch(/onnxruntime-node.*\bok\b/);
    expect(r.stderr).toMatch(/verification incomplete: onnxruntime-node did not run .*--allow-missing-peers/);

    const j = cli(['verify', fixed2, '--samples', '5', '--json']);
    expect(j.code).toBe(3);
    const doc = JSON.parse(j.stdout);
    const ort = doc.comparisons.find((c: any) => c.engine === 'onnxruntime-node');
    expect(ort).toEqual({ engine: 'onnxruntime-node', status: 'not run', reason: expect.stringMatching(/fixed at 2/), ok: false });
    expect(doc.ok).toBe(false);
    expect(doc.complete).toBe(false);

    const allowed = json(cli(['verify', fixed2, '--samples', '5', '--json', '--allow-missing-peers']));
    expect(allowed.ok).toBe(true);
    expect(allowed.complete).toBe(false);
  });

  it('--strides/--input-shape change the model, so the peer is NOT RUN and says why', () => {
    const r = cli(['verify', fixed, '--samples', '2', '--strides', '2']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/NOT RUN: --input-shape\/--strides change the model/);
  });

  it("onnxruntime's own error is printed whole, on one line", () => {
    // an IR version onnxruntime refuses (cnn2mlp reads the graph regardless)
    const m = onnx.ModelProto.decode(fixedBatchOnnx(1));
    m.irVersion = 99;
    const file = path.join(dir, 'ir99.onnx');
    writeFileSync(file, onnx.ModelProto.encode(m).finish());
    const r = cli(['verify', file, '--samples', '2', '--json']);
    expect(r.code).toBe(3);
    const ort = JSON.parse(r.stdout).comparisons.find((c: any) => c.engine === 'onnxruntime-node');
    expect(ort.status).toBe('not run');
    expect(ort.reason).not.toMatch(/\n/);
    expect(ort.reason).toMatch(/Unsupported model IR version: 99, max supported IR version: \d+$/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--format: csr by default, dense or both on request', () => {
    const engines = (args: string[]) => json(cli(['verify', fixed, '--samples', '2', '--no-peers', '--json', ...args])).comparisons.map((c: any) => c.engine);
    expect(engines([])).toEqual(['csr MLP']);
    expect(engines(['--format', 'dense'])).toEqual(['dense MLP']);
    expect(engines(['--format', 'both'])).toEqual(['dense MLP', 'csr MLP']);
    expect(engines(['--format', 'auto'])).toEqual(['auto MLP']);
  });

  it('--precision bf16 reports what bf16 weights change, beside the check (text and JSON)', () => {
    const args = ['verify', fixed, '--samples', '6', '--no-peers', '--format', 'both', '--precision', 'bf16'];
    const v = json(cli([...args, '--json']));
    expect(v.ok).toBe(true);
    const [dense, csr] = v.bf16;
    expect(dense).toMatchObject({ engine: 'dense MLP bf16', bf16Layers: 2, layers: 2 });
    // rounding 720 + 144·4 weights moves some output, and the move is small (weights ~0.2, ≤ 144 terms)
    expect(dense.maxAbsVsMlp).toBeGreaterThan(0);
    expect(dense.maxAbsVsMlp).toBeLessThan(0.05);
    // triangle inequality (float32 differences are exact in float64): |bf16 − cnn| ≤ |bf16 − mlp| + |mlp − cnn|
    const denseVsCnn = v.comparisons.find((c: any) => c.engine === 'dense MLP').maxAbsError;
    expect(dense.maxAbsVsCnn).toBeLessThanOrEqual(dense.maxAbsVsMlp + denseVsCnn);
    for (const k of ['predictionsDifferVsMlp', 'predictionsDifferVsCnn']) expect(Number.isInteger(dense[k]) && dense[k] >= 0 && dense[k] <= 6).toBe(true);
    // CSR layers stay fp32: the "bf16" CSR MLP is the fp32 one, to the bit
    expect(csr).toMatchObject({ engine: 'csr MLP bf16', bf16Layers: 0, maxAbsVsMlp: 0, predictionsDifferVsMlp: 0 });
    const text = cli(args);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/bf16 weights \(not checked\).*max \|Δ\| vs fp32 MLP/);
    expect(text.stdout).toMatch(/dense MLP bf16\s+2 of 2/);
    // without the option: no bf16 rows
    expect(json(cli(['verify', fixed, '--samples', '2', '--no-peers', '--json'])).bf16).toBeUndefined();
  });
});
