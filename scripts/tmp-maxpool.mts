import { convert, runCnn, stats } from '../src/index.js';
import { native } from '../src/native.js';
const model = { layout: 'NCHW' as const, inputShape: [1, 1000, 1000], layers: [{ type: 'maxPool2d' as const, poolSize: [60, 80] as [number, number], strides: [10, 10] as [number, number], dilation: [10, 10] as [number, number], padding: [10, 10, 20, 20] as [number, number, number, number] }] };
let t = performance.now();
const st = stats(model);
console.log('stats', ((performance.now() - t) / 1000).toFixed(2), 's', st.csr.totals, 'rss', (native().residentBytes() / 1e6).toFixed(0));
for (const format of process.argv.slice(2) as ('csr' | 'dense')[]) {
  t = performance.now();
  try {
    const mlp = await convert(model, { format });
    console.log(format, ((performance.now() - t) / 1000).toFixed(2), 's', mlp.bytes, 'rss', (native().residentBytes() / 1e6).toFixed(0), 'maxrss', (process.resourceUsage().maxRSS / 1e3).toFixed(0));
  } catch (e) {
    console.log(format, ((performance.now() - t) / 1000).toFixed(2), 's', (e as Error).message);
  }
}
