import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { convert } from '../../src/index.js';
import type { CnnModel } from '../../src/model/types.js';
import { native } from '../../src/native.js';
import { seededUniform } from '../support/random-cnn.js';

const rss = () => native().residentBytes();

function convModel(h: number, w: number, c: number, filters: number): CnnModel {
  return {
    layout: 'NHWC',
    inputShape: [h, w, c],
    layers: [{ type: 'conv2d', filters, kernelSize: [3, 3], padding: 'same', weights: seededUniform(9 * c * filters, 7), activation: 'relu' }],
  };
}

describe('convert: memory is returned', () => {
  it('dispose of a large dense MLP gives its pages back (RSS drops by ≥ 80% of its bytes)', async () => {
    // 40×40×3 → 40×40×16, stride 1: 25,600 rows × 4,800 cols = 491 MB dense.
    const model = convModel(40, 40, 3, 16);
    const before = rss();
    const mlp = await convert(model, { format: 'dense' });
    const bytes = mlp.bytes;
    expect(bytes).toBe(25600 * 4800 * 4 + 25600 * 4);
    const peak = rss();
    mlp.dispose();
    const after = rss();
    // The builder writes every page of a dense matrix (zeros included), so RSS grows by its size
    // (minus whatever the allocator had already resident); after dispose the mapping is gone.
    expect(peak - before).toBeGreaterThan(0.9 * bytes);
    expect(peak - after).toBeGreaterThan(0.8 * (peak - before));
  });

  it('2,000 convert/dispose cycles of a small model keep RSS flat (< 24 MB growth after warm-up)', async () => {
    const model: CnnModel = {
      layout: 'NCHW',
      inputShape: [2, 6, 6],
      layers: [
        { type: 'conv2d', filters: 4, kernelSize: [3, 3], padding: 'same', weights: seededUniform(72, 3), bias: seededUniform(4, 4), activation: 'relu' },
        { type: 'maxPool2d', poolSize: [2, 2] },
        { type: 'flatten' },
        { type: 'dense', units: 5, weights: seededUniform(36 * 5, 5), activation: 'softmax' },
      ],
    };
    const cycle = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const mlp = await convert(model, { format: i % 2 ? 'dense' : 'csr' });
        mlp.dispose();
      }
    };
    // V8 grows its young generation (up to 2 × 16 MB of semi-spaces) whenever its heuristics say
    // so, which RSS alone would read as growth: native memory is RSS minus the V8 heap's pages,
    // and the JS side is checked by the live heap after a full collection.
    const heap = () => v8.getHeapStatistics();
    const sample = () => {
      global.gc?.();
      return { native: rss() - heap().total_physical_size, live: heap().used_heap_size };
    };
    await cycle(200); // warm-up: JIT, allocator arenas, job threads
    const base = sample();
    await cycle(2000);
    const end = sample();
    // A dense cycle allocates 174 kB natively (4 layers), a CSR one 27 kB: leaking the dense MLPs
    // would add ~170 MB over the 1,000 dense cycles; measured growth after warm-up is ~0–5 MB.
    expect(end.native - base.native).toBeLessThan(24 * 1024 * 1024);
    // one leaked plan per cycle (its maps and explicit layers, ≥ 3 kB) would add ≥ 6 MB
    expect(end.live - base.live).toBeLessThan(4 * 1024 * 1024);
  });
});
