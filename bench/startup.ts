// Start-up benchmark (src/bench/startup.ts): fresh node processes importing the built package.
//   npm run build:ts && npx tsx bench/startup.ts [--rounds N] [--require] [--json]
//                                               [--compare LABEL=/path/to/dist/index.js ...]
// Measures dist/index.js of this checkout ("this") and each --compare build side by side, round by
// round; --require adds the CommonJS twin (dist/index.cjs). Median over rounds (default 21).
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { measureStartup, startupReport, type StartupEntry, type StartupVariant } from '../src/bench/startup.js';

const args = process.argv.slice(2);
const at = (name: string) => args.indexOf(name);
const rounds = at('--rounds') >= 0 ? Number(args[at('--rounds') + 1]) : 21;
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds needs a positive integer');

function entry(label: string, esm: string): StartupEntry {
  const abs = path.resolve(esm);
  if (!fs.existsSync(abs)) throw new Error(`${abs} does not exist (run npm run build:ts)`);
  const cjs = abs.replace(/\.js$/, '.cjs');
  return { label, esm: abs, cjs: fs.existsSync(cjs) ? cjs : undefined };
}

const entries = [entry('this', path.join(import.meta.dirname, '..', 'dist', 'index.js'))];
args.forEach((a, i) => {
  if (a !== '--compare') return;
  const [label, file] = (args[i + 1] ?? '').split('=');
  if (!label || !file) throw new Error('--compare needs LABEL=/path/to/dist/index.js');
  entries.push(entry(label, file));
});
const variants: StartupVariant[] = ['bare', 'import', 'run', ...(args.includes('--require') ? (['require'] as const) : [])];

const rows = measureStartup(entries, variants, rounds);
const meta = { node: process.version, cpu: os.cpus()[0]?.model, loadavg: os.loadavg(), rounds, date: new Date().toISOString() };
if (args.includes('--json')) console.log(JSON.stringify({ meta, rows }, null, 2));
else {
  console.log(`node ${meta.node}, ${meta.cpu}, load average ${meta.loadavg.map((l) => l.toFixed(2)).join(' ')}, ${rounds} rounds (median)`);
  console.log(startupReport(rows));
}
