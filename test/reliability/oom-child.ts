/**
 * Run under a lowered address-space limit (prlimit --as): converts something too big for the
 * limit (but not for the machine, so convert's up-front estimate lets it through and the native
 * allocation itself fails), then checks the process still converts and runs a small model.
 * Prints `OOM-RESULT {json}`.
 */
import * as api from '../../src/index.js';
import { Cnn2MlpError } from '../../src/errors.js';
import { smallModel } from '../fuzz/targets/model.js';

const out: Record<string, unknown> = {};
try {
  const big = await api.convert(api.seedNetwork({ stride: 2, seed: 1 }), { format: 'dense' });
  out.big = `converted (${big.bytes} bytes)`;
  big.dispose();
} catch (err) {
  out.big = err instanceof Cnn2MlpError ? err.code : `non-Cnn2MlpError ${String(err)}`;
  out.bigMessage = (err as Error).message;
}
const model = smallModel();
const x = Float32Array.from({ length: 72 }, (_, k) => Math.sin(k));
const mlp = await api.convert(model, { format: 'dense' });
const y = await api.runMlp(mlp, x);
const ref = await api.runCnn(model, x);
mlp.dispose();
out.small = Array.from(y);
out.smallRef = Array.from(ref);
out.rssMb = process.memoryUsage.rss() / 2 ** 20;
console.log(`OOM-RESULT ${JSON.stringify(out)}`);
