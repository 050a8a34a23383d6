/**
 * One rule for pixel data, stated in --help: PNG/JPEG images and uint8 .npy arrays become
 * (pixel × scale − mean) / std with scale 1/255 by default; --pixel-scale, --mean, --std and
 * --channel-order apply to both; float arrays are fed as stored. Several inputs stack in order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIdxImageSet } from '../../src/data/idx.js';
import { writeNpy } from '../../src/data/npy.js';
import { cli, ensureBuilt, fashionModel, json, root } from './cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-cli-pixels-'));
const N = 6;
let u8: Uint8Array;
beforeAll(() => {
  ensureBuilt();
  const set = readIdxImageSet(path.join(root, 'data/fashion-mnist/t10k-images-idx3-ubyte.gz'), path.join(root, 'data/fashion-mnist/t10k-labels-idx1-ubyte.gz'));
  u8 = set.images.slice(0, N * 784);
  writeNpy(path.join(dir, 'u8.npy'), { dtype: 'uint8', shape: [N, 28, 28, 1], data: u8 });
  const scaled = (f: (p: number) => number) => Float32Array.from(u8, f);
  writeNpy(path.join(dir, 'f01.npy'), { dtype: 'float32', shape: [N, 28, 28, 1], data: scaled((p) => p / 255) });
  writeNpy(path.join(dir, 'fnorm.npy'), { dtype: 'float32', shape: [N, 28, 28, 1], data: scaled((p) => ((p * 2) / 255 - 0.5) / 0.25) });
  for (let k = 0; k < 2; k++) {
    const png = new PNG({ width: 28, height: 28 });
    for (let p = 0; p < 784; p++) png.data.set([u8[k * 784 + p], u8[k * 784 + p], u8[k * 784 + p], 255], p * 4);
    writeFileSync(path.join(dir, `img${k}.png`), PNG.sync.write(png));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const outputs = (...args: string[]): number[][] => json(cli(['run', fashionModel, ...args, '--json'])).outputs;

describe('uint8 .npy inputs are pixels', () => {
  it('scaled by 1/255 like an image: the same outputs as the float array p/255', () => {
    const a = outputs(path.join(dir, 'u8.npy'));
    const b = outputs(path.join(dir, 'f01.npy'));
    expect(a).toHaveLength(N);
    // same float32 input values, same kernels: identical outputs
    expect(a).toEqual(b);
  });

  it('--pixel-scale, --mean and --std apply to uint8 arrays as to images', () => {
    const a = outputs(path.join(dir, 'u8.npy'), '--pixel-scale', String(2 / 255), '--mean', '0.5', '--std', '0.25');
    const b = outputs(path.join(dir, 'fnorm.npy'));
    for (let s = 0; s < N; s++) for (let c = 0; c < 10; c++) expect(a[s][c]).toBeCloseTo(b[s][c], 5); // float32 rounding of the scale
    expect(a).not.toEqual(outputs(path.join(dir, 'u8.npy')));
  });

  it('images and uint8 rows agree, and several inputs stack in order', () => {
    const imgs = outputs(path.join(dir, 'img0.png'), path.join(dir, 'img1.png'), path.join(dir, 'u8.npy'));
    const arr = outputs(path.join(dir, 'u8.npy'));
    expect(imgs).toHaveLength(2 + N);
    // grayscale is BT.601 luma, 0.299·p + 0.587·p + 0.114·p: p up to float rounding
    for (let s = 0; s < 2; s++) for (let c = 0; c < 10; c++) expect(imgs[s][c]).toBeCloseTo(arr[s][c], 5);
    // a batch of 8 may be tiled differently from a batch of 6: equal up to float32 reordering
    for (let s = 0; s < N; s++) for (let c = 0; c < 10; c++) expect(imgs[2 + s][c]).toBeCloseTo(arr[s][c], 5);
  });

  it('--channel-order bgr reads a colour image as B, G, R: the same as the image with red and blue swapped', () => {
    const colour = (swap: boolean) => {
      const png = new PNG({ width: 28, height: 28 });
      for (let p = 0; p < 784; p++) {
        const r = u8[p];
        const b = 255 - u8[p];
        png.data.set([swap ? b : r, (p * 7) % 256, swap ? r : b, 255], p * 4);
      }
      return PNG.sync.write(png);
    };
    writeFileSync(path.join(dir, 'rgb.png'), colour(false));
    writeFileSync(path.join(dir, 'bgr.png'), colour(true));
    const asBgr = outputs(path.join(dir, 'rgb.png'), '--channel-order', 'bgr');
    expect(asBgr).toEqual(outputs(path.join(dir, 'bgr.png')));
    expect(asBgr).not.toEqual(outputs(path.join(dir, 'rgb.png'))); // luma weighs red and blue differently
  });

  it('--help states the rule', () => {
    const help = cli(['run', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/PNG\/JPEG images and uint8 \.npy arrays\) becomes input as \(pixel × scale − mean\) \/ std, scale 1\/255 unless --pixel-scale/);
    expect(help).toMatch(/float32\/float64 \.npy and raw \.f32\/\.bin\/\.raw inputs are fed exactly as stored/);
    expect(cli(['verify', '--help']).stdout).toMatch(/--pixel-scale/);
  });

  it('--mean with the wrong number of channels is refused', () => {
    const r = cli(['run', fashionModel, path.join(dir, 'u8.npy'), '--mean', '0.1,0.2,0.3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Expected 1 or 1 values \(one per channel\) for --mean/);
  });
});
