#!/usr/bin/env bash
# Packs cnn2mlp as a user would receive it (prebuilt addon included), installs the tarball into an
# empty ESM project, type-checks a TypeScript import against the shipped .d.ts and runs a model,
# then loads it with require() as a CommonJS project would.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$root"
npm run --silent prebuild >/dev/null
tarball="$(npm pack --silent --pack-destination "$tmp" | tail -n 1)"
cd "$tmp"
npm init -y >/dev/null
npm pkg set type=module >/dev/null
npm install --no-audit --no-fund --silent "./$tarball" typescript@~5.9.3 @types/node@20 >/dev/null
cat > check.ts <<'TS'
import { runCnn, cpuInfo, type CnnModel } from 'cnn2mlp';

const model: CnnModel = {
  layout: 'NHWC',
  inputShape: [4, 4, 1],
  layers: [
    { type: 'conv2d', filters: 1, kernelSize: [2, 2], strides: [2, 2], weights: new Float32Array([1, 1, 1, 1]) },
    { type: 'flatten' },
  ],
};
const x = Float32Array.from({ length: 16 }, (_, i) => i);
const y = await runCnn(model, x);
// 2×2 sums of the 4×4 ramp 0..15: [0+1+4+5, 2+3+6+7, 8+9+12+13, 10+11+14+15]
const expected = [10, 18, 42, 50];
if (y.length !== 4 || expected.some((v, i) => y[i] !== v)) throw new Error(`unexpected output ${Array.from(y)}`);
console.log(`pack smoke ok: ${cpuInfo().activeIsa}, output ${Array.from(y).join(' ')}`);
TS
npx tsc --strict --module nodenext --moduleResolution nodenext --target es2022 --skipLibCheck false --types node check.ts
node check.js
cat > check.cjs <<'CJS'
const { runCnnSync } = require('cnn2mlp');
const y = runCnnSync(
  { layout: 'NHWC', inputShape: [4, 4, 1], layers: [{ type: 'conv2d', filters: 1, kernelSize: [2, 2], strides: [2, 2], weights: new Float32Array([1, 1, 1, 1]) }, { type: 'flatten' }] },
  Float32Array.from({ length: 16 }, (_, i) => i),
);
if (Array.from(y).join(' ') !== '10 18 42 50') throw new Error(`unexpected output ${Array.from(y)}`);
console.log('pack smoke ok: require()');
CJS
node check.cjs
