/**
 * Starts one large save and is SIGKILLed by the parent mid-way (files.test.ts).
 * Usage: writer-child.ts <saveMlp|exportOnnx|exportOpenCv> <target> <rows> <cols> <seed>
 */
import * as api from '../../src/index.js';

const [writer, target, rowsArg, colsArg, seedArg] = process.argv.slice(2);
const rows = Number(rowsArg);
const cols = Number(colsArg);
const seed = Number(seedArg);
const values = new Float32Array(rows * cols);
for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 0.001 + seed);
const mlp = api.mlpFromLayers(cols, [{ format: 'dense', rows, cols, values, activation: 'relu' }]);
process.stdout.write('WRITING\n');
if (writer === 'saveMlp') await api.saveMlp(mlp, target);
else if (writer === 'exportOnnx') await api.exportOnnx(mlp, target);
else await api.exportOpenCv(mlp, target);
process.stdout.write('DONE\n');
