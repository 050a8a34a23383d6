/**
 * The seed network (stride 2, 'same') converted to a dense MLP: ≈2.46 G weights, ≈9.86 GB.
 * Reports conversion time and peak RSS (VmHWM), which must stay ≤ 1.1 × the weight bytes (the
 * matrix is written once, in place, into zeroed memory: no staging copy), runs one inference and
 * compares it with the CSR MLP of the same model, and times the CSR conversion.
 *
 *   npx tsx scripts/seed-dense.ts     (needs ~10.5 GB free; check `free -g` first)
 *   npx tsx scripts/seed-dense.ts 3   (stride 3: 2.3 GB, a quick dry run)
 *   npx tsx scripts/seed-dense.ts 2 --save /tmp   (also saveMlp → loadMlp by mmap → run; needs the
 *                                                 file's size free on that disk)
 *
 * Heavy: run it alone, once. Timings on a shared machine are indicative only.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { convert, loadMlp, runMlp, saveMlp, seedNetwork, stats } from '../src/index.js';
import { native } from '../src/native.js';
import { randomInput } from '../test/support/random-cnn.js';

function vm(field: 'VmHWM' | 'VmRSS'): number {
  const m = readFileSync('/proc/self/status', 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`));
  return m ? Number(m[1]) * 1024 : NaN;
}
const gb = (b: number) => `${(b / 1e9).toFixed(3)} GB`;

async function main() {
  const stride = Number(process.argv[2] ?? 2); // 3 for a quick 2.3 GB dry run
  const model = seedNetwork({ stride: stride as 2 | 3, seed: 1 });
  const st = stats(model);
  const need = st.dense.totals.bytes;
  const avail = native().availableMemoryBytes();
  console.log(`seed stride ${stride}: dense MLP ${st.dense.totals.weights.toLocaleString('en')} weights, ${gb(need)}; available ${gb(avail)}`);
  if (avail < need * 1.1) throw new Error('not enough free memory for the dense conversion; run this alone');

  const x = randomInput(80 * 80 * 3, 1, 42);
  // CSR first (small), so its inference result is ready before the dense one takes the memory.
  let t = performance.now();
  const csr = await convert(model, { format: 'csr' });
  const csrMs = performance.now() - t;
  const yCsr = await runMlp(csr, x);
  console.log(`csr: ${csr.layers.reduce((a, l) => a + l.nnz, 0).toLocaleString('en')} nonzeros, ${gb(csr.bytes)}, converted in ${csrMs.toFixed(0)} ms`);
  csr.dispose();

  const rssBefore = vm('VmRSS');
  let lastPct = -1;
  t = performance.now();
  const dense = await convert(model, {
    format: 'dense',
    onProgress: (d, n) => {
      const pct = Math.floor((100 * d) / n / 10) * 10;
      if (pct !== lastPct) {
        lastPct = pct;
        process.stdout.write(`  ${pct}%`);
      }
    },
  });
  const denseMs = performance.now() - t;
  const hwm = vm('VmHWM');
  const weightBytes = dense.layers.reduce((a, l) => a + l.weightBytes, 0);
  console.log(`\ndense: ${dense.layers.reduce((a, l) => a + l.rows * l.cols, 0).toLocaleString('en')} weights, ${gb(weightBytes)} (padded rows), converted in ${(denseMs / 1000).toFixed(2)} s`);
  console.log(`peak RSS (VmHWM) ${gb(hwm)} = ${(hwm / weightBytes).toFixed(3)} × weight bytes (RSS before ${gb(rssBefore)}); limit 1.1× → ${hwm <= 1.1 * weightBytes ? 'OK' : 'EXCEEDED'}`);

  t = performance.now();
  const yDense = await runMlp(dense, x);
  const runMs = performance.now() - t;
  let maxDiff = 0;
  for (let i = 0; i < yDense.length; i++) maxDiff = Math.max(maxDiff, Math.abs(yDense[i] - yCsr[i]));
  console.log(`one inference on the dense MLP: ${runMs.toFixed(0)} ms; max |dense − csr| over the 29 logits = ${maxDiff.toExponential(2)}`);
  console.log(`argmax dense ${yDense.indexOf(Math.max(...yDense))}, csr ${yCsr.indexOf(Math.max(...yCsr))}`);
  const saveDir = process.argv.includes('--save') ? process.argv[process.argv.indexOf('--save') + 1] : undefined;
  let fileOk = true;
  if (saveDir) {
    const file = path.join(saveDir, `seed-stride${stride}-dense.mlp`);
    t = performance.now();
    await saveMlp(dense, file);
    const saveMs = performance.now() - t;
    console.log(`saveMlp: ${gb(statSync(file).size)} written in ${(saveMs / 1000).toFixed(2)} s (temp file + fsync + rename)`);
    dense.dispose();
    try {
      for (const verify of [false, true]) {
        t = performance.now();
        const loaded = await loadMlp(file, { verify });
        const loadMs = performance.now() - t;
        t = performance.now();
        const yLoaded = await runMlp(loaded, x);
        const loadedRunMs = performance.now() - t;
        let same = yLoaded.length === yDense.length;
        for (let i = 0; same && i < yDense.length; i++) same = Object.is(yLoaded[i], yDense[i]);
        fileOk &&= same;
        console.log(
          `loadMlp (mmap, verify: ${verify}): ${loadMs.toFixed(1)} ms; first inference ${loadedRunMs.toFixed(0)} ms; output bit-identical to the in-memory MLP: ${same}`,
        );
        loaded.dispose();
      }
    } finally {
      rmSync(file, { force: true });
    }
  } else {
    dense.dispose();
  }
  console.log(`after dispose: RSS ${gb(vm('VmRSS'))}`);
  // Both sum the same float32 products in different orders: differences ~1e-6 of the logits' scale.
  const scale = Math.max(1, ...Array.from(yCsr, Math.abs));
  if (hwm > 1.1 * weightBytes || maxDiff > 1e-4 * scale || !fileOk) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
