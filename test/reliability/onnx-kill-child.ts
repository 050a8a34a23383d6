/**
 * Child for test/reliability/onnx-pair.test.ts: exports an MLP with exportOnnx and SIGKILLs itself
 * just before its file-system operation number N (every fs.promises call and FileHandle call
 * counts: readdir, rm, open, each chunk write, sync, close, rename). Without a kill it prints
 * `DONE <operations>` (N = 0: a plain export).
 * Usage: node --import tsx test/reliability/onnx-kill-child.ts <file.onnx> <N> <seed>
 */
import fs from 'node:fs';
import * as api from '../../src/index.js';
import { PAIR_EXPORT_OPTIONS, pairTestMlp } from './onnx-pair-model.js';

const [file, nArg, seedArg] = process.argv.slice(2);
const killAt = Number(nArg);
let ops = 0;
const step = (name: string) => {
  ops++;
  if (ops === killAt) {
    fs.writeSync(2, `kill before ${name}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
};
function count<T extends object>(target: T, names: string[]): void {
  const t = target as Record<string, (...a: unknown[]) => unknown>;
  for (const name of names) {
    const orig = t[name];
    t[name] = function (this: unknown, ...args: unknown[]) {
      step(name);
      return orig.apply(this, args);
    };
  }
}
const probe = await fs.promises.open(process.execPath, 'r');
const handleProto = Object.getPrototypeOf(probe) as object;
await probe.close();
count(fs.promises, ['open', 'rename', 'rm', 'readdir', 'writeFile', 'unlink']);
count(handleProto, ['write', 'writeFile', 'sync', 'close']);

await api.exportOnnx(pairTestMlp(Number(seedArg)), file, PAIR_EXPORT_OPTIONS);
console.log(`DONE ${ops}`);
