// worker_threads entry for the concurrency test: loads the library (and so the addon) in its own
// N-API environment, builds the models it is sent and runs them, posting the outputs back.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const api = await import(new URL('../../src/index.ts', import.meta.url).href);
const { model, mlpLayers, mlpInput, inputs, threads, rounds } = workerData;
const cnn = api.compileCnn(model);
const mlp = api.mlpFromLayers(mlpInput, mlpLayers);
const cnnOut = [];
const mlpOut = [];
for (let r = 0; r < rounds; r++) {
  // Several calls in flight at once inside the worker too.
  const res = await Promise.all(inputs.map((x) => Promise.all([api.runCnn(cnn, x.cnn, { threads }), api.runMlp(mlp, x.mlp, { threads })])));
  if (r === rounds - 1) for (const [c, m] of res) cnnOut.push(c), mlpOut.push(m);
}
cnn.dispose();
mlp.dispose();
parentPort.postMessage({ cnnOut, mlpOut });
