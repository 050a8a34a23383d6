/**
 * Plans (does not build) the MLP of one max pool over a side × side × 1 input and prints
 * `PLAN-MEMORY {json}`: the plan's nonzeros and stored bytes, and how far the process's peak RSS
 * rose while planning. Run in a fresh process so the peak belongs to this plan alone.
 * Usage: planner-memory-child.ts <side> <window> <stride>
 */
import { planMlp } from '../../src/convert/planner.js';
import { planModel } from '../../src/model/plan.js';
import type { CnnModel } from '../../src/model/types.js';

const [side, window, stride] = process.argv.slice(2).map(Number);
const model: CnnModel = { layout: 'NHWC', inputShape: [side, side, 1], layers: [{ type: 'maxPool2d', poolSize: [window, window], strides: [stride, stride] }] };
const plan = planModel(model);
global.gc?.();
const before = process.resourceUsage().maxRSS * 1024;
const rssBefore = process.memoryUsage.rss();
const mp = planMlp(plan, { format: 'csr' });
const peak = process.resourceUsage().maxRSS * 1024;
let stored = 0;
let nonzeros = 0;
let units = 0;
for (const l of mp.layers) {
  nonzeros += l.nonzeros;
  units += l.rows;
  if (l.csr) stored += l.csr.rowPtr.byteLength + l.csr.colIdx.byteLength + l.csr.values.byteLength + l.csr.bias.byteLength;
}
const out = { side, window, layers: mp.layers.length, outputs: plan.outputSize, taps: plan.outputSize * window * window, units, nonzeros, stored, peakRise: peak - Math.max(before, rssBefore), heapUsed: process.memoryUsage().heapUsed };
console.log(`PLAN-MEMORY ${JSON.stringify(out)}`);
