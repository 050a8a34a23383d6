/**
 * MobileNetV2 at SIDE×SIDE (default 224), CSR: the bytes of the exact ReLU rewrite the planner emits
 * (relu6 layers that carry a skip tensor: their rows twice, and the reader's columns twice) against
 * an estimate with per-unit-range activations instead (no duplicated rows or columns, 8 bytes of
 * [lo, hi] per row of every mixed layer). Counts only (store: false). Usage: npx tsx scripts/rewrite-vs-ranges.ts [SIDE]
 */
import { mobileNetV2 } from '../src/bench/networks.js';
import { planModel } from '../src/model/plan.js';
import { planMlp } from '../src/convert/planner.js';
import { layerBytes } from '../src/convert/size.js';
import { PRIM } from '../src/convert/layer-plan.js';
const side = Number(process.argv[2] ?? 224);
const m = mobileNetV2();
m.inputShape = [3, side, side];
const plan = planModel(m);
const mp = planMlp(plan, { format: 'csr', store: false });
let rwRows = 0, rwNnz = 0, consumerNnz = 0, carryNnz = 0, carryRows = 0, mixedRows = 0, bytes = 0, altBytes = 0, nnz = 0, altNnz = 0;
let prevRw = false;
for (const l of mp.layers) {
  const op = l.prim !== PRIM.explicit ? plan.ops[l.opIndex] : null;
  const rw = !!op && op.activation.code !== l.act.code;
  const own = l.nonzeros - l.carryNonzeros;
  let p = own;
  if (rw) { rwRows += l.primaryRows! / 2; rwNnz += own / 2; p /= 2; }
  if (prevRw) { consumerNnz += p / 2; p /= 2; }
  carryNnz += l.carryNonzeros; carryRows += l.carryRows;
  const rows = l.rows - (rw ? l.primaryRows! / 2 : 0);
  if (rw || l.carryRows) mixedRows += rows;
  nnz += l.nonzeros; altNnz += p + l.carryNonzeros;
  bytes += layerBytes('csr', l.rows, l.cols, l.nonzeros);
  altBytes += layerBytes('csr', rows, l.cols, p + l.carryNonzeros) + (rw || l.carryRows ? rows * 8 : 0);
  prevRw = rw;
}
console.log(JSON.stringify({ side, layers: mp.layers.length, nnz, bytes, carryRows, carryNnz, rewrite: { duplicatedRows: rwRows, duplicatedOwnNnz: rwNnz, consumerExtraNnz: consumerNnz }, perUnitRange: { nnz: altNnz, bytes: altBytes, rangeBytes: mixedRows * 8 }, savedBytes: bytes - altBytes, savedFraction: (bytes - altBytes) / bytes }, null, 1));
