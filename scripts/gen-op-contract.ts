// Writes native/core/op_contract.h from src/model/op-contract.ts, the one definition of the op
// contract. Usage: npm run gen:op-contract (test/kernels/op-contract.test.ts renders the header the
// same way and fails when the checked-in file differs).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as contract from '../src/model/op-contract.js';

export const HEADER_PATH = 'native/core/op_contract.h';

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);
// FLAG_COUNT_INCLUDE_PAD -> kFlagCountIncludePad
const flagName = (s: string) => 'k' + s.toLowerCase().split('_').map(cap).join('');

/** Entries sorted by code; codes must run 0, 1, 2, … so a count bounds them. */
function dense(what: string, table: Record<string, number>): [string, number][] {
  const rows = Object.entries(table).sort((a, b) => a[1] - b[1]);
  rows.forEach(([name, code], i) => {
    if (code !== i) throw new Error(`${what} codes must run 0, 1, 2, … without gaps; ${name} is ${code}, expected ${i}`);
  });
  return rows;
}

function enumOf(type: string, prefix: string, rows: [string, number][]): string[] {
  return [`enum ${type} : int {`, ...rows.map(([n, c]) => `  ${prefix}${cap(n)} = ${c},`), '};', `constexpr int k${prefix}Count = ${rows.length};`];
}

/** The header text for the contract `c` (the module's exports). */
export function renderOpContract(c: typeof contract = contract): string {
  const acts = dense('activation', Object.fromEntries(c.ACT_NAMES.map((n, i) => [n, i])));
  const fields = Object.entries(c.F).sort((a, b) => a[1] - b[1]);
  const last = fields[fields.length - 1][1];
  if (new Set(fields.map((f) => f[1])).size !== fields.length || last >= c.RECORD_SIZE) throw new Error('field offsets must be distinct and below RECORD_SIZE');
  const flags = Object.entries(c)
    .filter(([k]) => k.startsWith('FLAG_'))
    .map(([k, v]) => [k, v as number] as const)
    .sort((a, b) => a[1] - b[1]);
  let all = 0;
  for (const [k, v] of flags) {
    if (!Number.isInteger(Math.log2(v)) || all & v) throw new Error(`${k} must be a distinct single bit`);
    all |= v;
  }
  const lines = [
    '// Generated from src/model/op-contract.ts by scripts/gen-op-contract.ts (npm run gen:op-contract).',
    '// Do not edit: test/kernels/op-contract.test.ts fails when this file and the TS table differ.',
    '#pragma once',
    '',
    'namespace cnn2mlp {',
    '',
    '// Op codes of plan records (OP in op-contract.ts).',
    ...enumOf('Op', 'Op', dense('op', c.OP)),
    '',
    '// Activation codes (ACT_NAMES; the index is the code). Also stored in MLP files.',
    ...enumOf('ActCode', 'Act', acts),
    `constexpr const char* kActNames[kActCount] = {${acts.map(([n]) => `"${n}"`).join(', ')}};`,
    '',
    '// Field offsets inside one record of kRecordSize doubles (F).',
    'namespace field {',
    ...fields.map(([n, v]) => `constexpr int ${n} = ${v};`),
    '}  // namespace field',
    `constexpr int kRecordSize = ${c.RECORD_SIZE};`,
    `constexpr int kMaxOpInputs = ${c.MAX_OP_INPUTS};`,
    '',
    '// Record flags: bits of field::flags (FLAG_*).',
    ...flags.map(([k, v]) => `constexpr int ${flagName(k)} = ${v};`),
    `constexpr int kFlagsAll = ${all};`,
    '',
    '// upsample2d source coordinates and nearest rounding (COORDINATE_MODES, NEAREST_MODES).',
    ...enumOf('CoordinateMode', 'Coord', dense('coordinate mode', Object.fromEntries(c.COORDINATE_MODES.map((n, i) => [n, i])))),
    ...enumOf('NearestMode', 'Nearest', dense('nearest mode', Object.fromEntries(c.NEAREST_MODES.map((n, i) => [n, i])))),
    '// Storage of an MLP layer\'s matrix; also stored in MLP files (MATRIX_FORMAT).',
    `enum class MatrixFormat : int { ${dense('matrix format', c.MATRIX_FORMAT).map(([n, v]) => `${cap(n)} = ${v}`).join(', ')} };`,
    '',
    '// Primary op of a converted MLP layer in convertBuild (PRIM).',
    ...enumOf('Prim', 'Prim', dense('prim', c.PRIM)),
    '',
    '// SELU constants (SELU_ALPHA, SELU_GAMMA).',
    `constexpr double kSeluAlpha = ${c.SELU_ALPHA};`,
    `constexpr double kSeluGamma = ${c.SELU_GAMMA};`,
    '',
    '}  // namespace cnn2mlp',
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  writeFileSync(path.join(root, HEADER_PATH), renderOpContract());
  console.log(`wrote ${HEADER_PATH}`);
}
