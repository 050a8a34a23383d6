/**
 * The op contract is defined once, in src/model/op-contract.ts; native/core/op_contract.h is
 * generated from it. These tests fail when the checked-in header drifts from the TS table (run
 * `npm run gen:op-contract` after changing the table), when a C++ file defines its own copy of a
 * contract constant, or when a TS table derived from the contract stops matching it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEADER_PATH, renderOpContract } from '../../scripts/gen-op-contract.js';
import { MLP_ACTIVATIONS } from '../../src/mlp/layers.js';
import { ACT_NAMES, OP, PRIM, RECORD_SIZE } from '../../src/model/op-contract.js';
import { ACT } from '../../src/model/plan.js';
import { PRIM as LAYERS_PRIM } from '../../src/convert/layer-plan.js';

const root = path.resolve(import.meta.dirname, '../..');

function nativeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? nativeFiles(p) : /\.(cc|h|inl)$/.test(e.name) ? [p] : [];
  });
}

describe('op contract', () => {
  it('native/core/op_contract.h is exactly what the TS table generates', () => {
    const onDisk = readFileSync(path.join(root, HEADER_PATH), 'utf8');
    expect(onDisk, 'stale header: run `npm run gen:op-contract`').toBe(renderOpContract());
  });

  it('no other native file defines a contract constant', () => {
    const defs = /enum\s+(class\s+)?(Op|ActCode|Prim|MatrixFormat|CoordinateMode|NearestMode)\b|kRecordSize\s*=|kMaxOpInputs\s*=|kFlag\w+\s*=|namespace\s+field\b|1\.0507009873|1\.6732632423/;
    const offenders = nativeFiles(path.join(root, 'native'))
      .filter((f) => !f.endsWith(path.join('core', 'op_contract.h')))
      .filter((f) => defs.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('the generated header holds every op, activation and prim the TS side uses', () => {
    const h = renderOpContract();
    for (const [name, code] of Object.entries(OP)) expect(h).toContain(`  Op${name[0].toUpperCase()}${name.slice(1)} = ${code},`);
    ACT_NAMES.forEach((name, code) => expect(h).toContain(`  Act${name[0].toUpperCase()}${name.slice(1)} = ${code},`));
    for (const [name, code] of Object.entries(PRIM)) expect(h).toContain(`  Prim${name[0].toUpperCase()}${name.slice(1)} = ${code},`);
    expect(h).toContain(`constexpr int kRecordSize = ${RECORD_SIZE};`);
  });

  it('the generator refuses gaps in codes and overlapping flags', async () => {
    const contract = await import('../../src/model/op-contract.js');
    expect(() => renderOpContract({ ...contract, OP: { ...contract.OP, flatten: 12 } } as never)).toThrow(/without gaps/);
    expect(() => renderOpContract({ ...contract, FLAG_FLATTEN_CHW: 3 } as never)).toThrow(/single bit/);
  });

  it('tables derived from the contract agree with it', () => {
    expect(MLP_ACTIVATIONS).toBe(ACT_NAMES);
    ACT_NAMES.forEach((name, code) => expect(ACT[name]).toBe(code));
    expect(ACT.relu6).toBe(ACT.clip);
    expect(LAYERS_PRIM).toBe(PRIM);
  });
});
