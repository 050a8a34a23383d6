/**
 * The command line with junk: `node dist/cli/main.js <subcommand> <junk…>` where the junk is
 * option names with absurd values, mutated and random model/input files, directories, device
 * files, missing paths and odd strings. Contract: exit 0, or exit 1 or 2 with exactly one line on
 * stderr and no stack trace (no arguments at all: the usage text); never a signal. Generic over
 * the subcommands: it knows only their names and a pool of option names, so it keeps working as
 * the CLI changes.
 * bench and demo run for minutes when every value happens to be valid, so they always get one
 * option with a value no count or list accepts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import * as api from '../../../src/index.js';
import { repoRoot } from '../harness.js';
import { smallModel } from './model.js';
import { byteMutation, mutateBytes, type ByteMutation } from './mutate.js';
import { caseDeadlineMs, type FuzzTarget } from './target.js';
import { tfjsJson, tfjsShard } from './tfjs.js';

const SUBCOMMANDS = ['convert', 'run', 'verify', 'stats', 'bench', 'demo', 'info', 'nope', '', '-x', '--help'];
const OPTIONS = ['-o', '--output', '--format', '--input-shape', '--strides', '--arch', '--batch', '--batches', '--threads', '--models', '--limit', '--samples', '-n', '--seed',
  '--top', '-k', '--pixel-scale', '--atol', '--rtol', '--model', '--out', '--latency-runs', '-i', '--input', '--layers', '--json', '--no-peers', '--bogus'];
const BAD_VALUES = ['-1', 'x', 'NaN', '1e999', '-0.5', '0x', ' ', ',', 'Infinity'];
const STRINGS = [...BAD_VALUES, '', '1,,2', '0', '1', '3', '28,28,1', '2.5', '99999999999', '-', '--', 'seed', 'x'.repeat(5000), '🙂', '../../../../etc/passwd', '%s%n', 'a\tb'];
const BAD_OPTIONS: Record<string, string[]> = { bench: ['--threads', '--batches', '--models'], demo: ['--limit', '--batch', '--latency-runs'] };
const CLI = path.join(repoRoot, 'dist', 'cli', 'main.js');

/** Junk files (made in setup): index → path. Mutated ones are rewritten per case. */
let files: string[] = [];
let onnxBase: Uint8Array;

export interface CliCase {
  sub: number;
  tokens: { kind: number; pick: number; value: number }[]; // kind 0 option+value, 1 file, 2 string, 3 bare option
  mutation: ByteMutation[];
  forced: number;
}

export const cliTarget: FuzzTarget<CliCase> = {
  describe: 'node dist/cli/main.js <subcommand> <junk>: option names with absurd values, mutated and random files, directories, device files, missing paths',
  async setup(dir) {
    if (!fs.existsSync(CLI)) return `${path.relative(repoRoot, CLI)} not built (npx tsc -p tsconfig.build.json)`;
    onnxBase = api.cnnToOnnx(smallModel('NCHW'));
    const d = path.join(dir, 'cli');
    fs.mkdirSync(path.join(d, 'tfjs'), { recursive: true });
    fs.writeFileSync(path.join(d, 'tfjs', 'model.json'), JSON.stringify(tfjsJson()));
    fs.writeFileSync(path.join(d, 'tfjs', 'group1-shard1of1.bin'), tfjsShard());
    const write = (name: string, bytes: Uint8Array | string) => (fs.writeFileSync(path.join(d, name), bytes), path.join(d, name));
    files = [
      write('mutated.onnx', onnxBase), // rewritten per case
      write('random.onnx', Uint8Array.from({ length: 300 }, (_, k) => (k * 7919) & 0xff)),
      write('empty.onnx', ''),
      write('model.json', '{"format":"layers-model","modelTopology":'),
      write('x.npy', '\x93NUMPY\x01\x00\x76\x00{"descr": "<f4", "fortran_order": False, "shape": (99999999999, 3), }'),
      write('x.png', '\x89PNG\r\n\x1a\n\x00\x00'),
      write('x.mlp', 'CNN2MLP\x00junk'),
      write('arch.json', '{"layers": [{"type": "conv2d", "filters": -1}]}'),
      path.join(d, 'tfjs', 'model.json'),
      path.join(d, 'tfjs'),
      path.join(d, 'missing.onnx'),
      '/dev/null',
      '/dev/zero',
      '/',
    ];
  },
  arb: fc.record({
    sub: fc.nat(),
    tokens: fc.array(fc.record({ kind: fc.integer({ min: 0, max: 3 }), pick: fc.nat(), value: fc.nat() }), { maxLength: 5 }),
    mutation: fc.array(byteMutation, { minLength: 1, maxLength: 2 }),
    forced: fc.nat(),
  }),
  async run(c) {
    fs.writeFileSync(files[0], mutateBytes(onnxBase, c.mutation));
    const sub = SUBCOMMANDS[c.sub % SUBCOMMANDS.length];
    const argv = sub ? [sub] : [];
    const pool = [...STRINGS, ...files];
    for (const t of c.tokens) {
      if (t.kind === 0) argv.push(OPTIONS[t.pick % OPTIONS.length], pool[t.value % pool.length]);
      else if (t.kind === 1) argv.push(files[t.pick % files.length]);
      else if (t.kind === 2) argv.push(STRINGS[t.pick % STRINGS.length]);
      else argv.push(OPTIONS[t.pick % OPTIONS.length]);
    }
    const forced = BAD_OPTIONS[sub];
    // '' too: an empty list must be refused, not read as "no option" (bench would then run for minutes).
    const badValues = [...BAD_VALUES, ''];
    if (forced) argv.push(forced[c.forced % forced.length], badValues[c.forced % badValues.length]);
    const env = { ...process.env };
    delete env.CNN2MLP_DEBUG;
    const r = spawnSync(process.execPath, [CLI, ...argv], { cwd: path.dirname(files[0]), env, encoding: 'utf8', timeout: caseDeadlineMs(), maxBuffer: 16 << 20 });
    const shown = `cnn2mlp ${argv.map((a) => JSON.stringify(a.length > 40 ? `${a.slice(0, 40)}…` : a)).join(' ')}`;
    if (r.error) throw new Error(`${shown}: ${r.error.message}`);
    if (r.signal) throw new Error(`${shown}: killed by ${r.signal}\n${r.stderr.slice(-1500)}`);
    if (r.status === 0) return { outcome: 'exit 0' };
    // No arguments at all: the usage text, as every CLI does.
    if (argv.length === 0 && r.status === 2 && r.stderr.startsWith('Usage: ')) return { outcome: 'usage' };
    const lines = r.stderr.trimEnd().split('\n');
    if ((r.status !== 1 && r.status !== 2) || lines.length !== 1 || !lines[0].trim() || /^\s+at /m.test(r.stderr))
      throw new Error(`${shown}: exit ${r.status} with ${lines.length} stderr line(s):\n${r.stderr.slice(0, 1500)}`);
    return { outcome: `exit ${r.status}` };
  },
};
