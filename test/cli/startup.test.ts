/**
 * What `import('cnn2mlp')` loads, on the built package in fresh processes: the format loaders and
 * exporters and the conversion planner stay unloaded until a function needs them (src/util/on-demand.ts,
 * src/formats/on-demand.ts, src/convert/on-demand.ts), and the sync ones among them keep working
 * synchronously, in one copy of each module. Timing is bench/startup.ts's job, not a test's.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './cli.js';

beforeAll(ensureBuilt);

// Records every module URL the ES loader resolves (module.register hooks, public API since Node 20.6),
// plus the modules require() loaded (its ES modules are not seen by the hooks; require.cache has the first).
const RECORD_MODULES = `
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const hooks = 'data:text/javascript,' + encodeURIComponent(\`
  let port;
  export function initialize(data) { port = data.port; }
  export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }\`);
const { port1, port2 } = new MessageChannel();
const seen = new Set();
port1.on('message', (u) => seen.add(u));
port1.unref();
register(hooks, import.meta.url, { data: { port: port2 }, transferList: [port2] });
const required = () => Object.keys(createRequire(import.meta.url).cache).map((f) => 'file://' + f);
const loaded = async () => { await new Promise((r) => setTimeout(r, 50)); return [...seen, ...required()].filter((u) => u.includes('/dist/')).map((u) => u.replace(/.*\\/dist\\//, '')).sort(); };
`;

function esm(code: string, flags: string[] = []): { status: number | null; out: Record<string, unknown>; stderr: string } {
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', RECORD_MODULES + code], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return { status: r.status, out: line.startsWith('{') ? JSON.parse(line) : {}, stderr: r.stderr };
}

const small = `{ layout: 'NCHW', inputShape: [1, 4, 4], layers: [{ type: 'conv2d', filters: 2, kernelSize: [2, 2], weights: new Float32Array(8).fill(1) }, { type: 'flatten' }] }`;
const tfjsModel = path.join(root, 'test/fixtures/tfjs/conv1d/model.json');

describe('import("cnn2mlp") on the built package', () => {
  it('loads no format loader, exporter or conversion planner until one is called', () => {
    const r = esm(`
      const m = await import('cnn2mlp');
      const atImport = await loaded();
      const lists = [m.ONNX_SUPPORTED_OPS.length, m.ONNX_FOLDED_OPS.length, m.TFJS_GRAPH_OPS.length, m.TFJS_SUPPORTED_LAYERS.length, m.ONNX_MIN_OPSET, m.ONNX_MAX_OPSET];
      m.isOptimizerState('global_step');
      const afterLists = await loaded();
      const model = m.seedNetwork({ stride: 3, seed: 1 });
      await m.runCnn(model, new Float32Array(80 * 80 * 3));
      const afterRun = await loaded();
      m.stats(model);
      const afterStats = await loaded();
      console.log(JSON.stringify({ atImport, lists, afterLists, afterRun, afterStats }));
    `);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const atImport = r.out.atImport as string[];
    expect(atImport).toContain('index.js');
    const heavy = (list: string[]) => list.filter((f) => (f.startsWith('formats/') || f.startsWith('convert/')) && !/(on-demand|supported|optimizer-state|convert\/stats)\.js$/.test(f));
    expect(heavy(atImport)).toEqual([]);
    expect(r.out.lists).toEqual([42, 30, 32, 41, 1, 21]);
    expect(heavy(r.out.afterLists as string[])).toEqual([]);
    expect(heavy(r.out.afterRun as string[])).toEqual([]);
    // stats(model) needs the planner: loaded then, not before
    expect(heavy(r.out.afterStats as string[])).toEqual(['convert/cnn-stats.js']);
    expect(heavy(r.out.afterStats as string[]).some((f) => f.startsWith('formats/'))).toBe(false);
  });

  it('the sync loaders load their module synchronously, into the same module graph', () => {
    const r = esm(`
      const m = await import('cnn2mlp');
      const bytes = m.cnnToOnnx(${small});
      const back = m.loadOnnx(bytes);
      const tf = m.loadTfjs(${JSON.stringify(tfjsModel)});
      let err; try { m.loadOnnx(new Uint8Array([1, 2, 3])); } catch (e) { err = e; }
      const errors = await import('./dist/errors.js');
      const mlp = await m.convert(m.seedNetwork({ stride: 3, seed: 1 }), { format: 'csr' });
      console.log(JSON.stringify({
        onnxLayers: back.layers.map((l) => l.type), tfjsLayers: tf.layers.length, code: err?.code,
        sameClass: err?.constructor === m.Cnn2MlpError && m.Cnn2MlpError === errors.Cnn2MlpError,
        mlpStats: m.stats(mlp).format,
      }));
    `);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.out.onnxLayers).toEqual(['conv2d', 'flatten']);
    expect(r.out.tfjsLayers).toBeGreaterThan(0);
    expect(r.out.code).toBe('ERR_BAD_FILE');
    // one Cnn2MlpError class: the thrower's module is the one import() gives, not a second copy
    expect(r.out.sameClass).toBe(true);
    expect(r.out.mlpStats).toBe('csr');
  });

  it('without require(esm) a sync loader says what it needs instead of ERR_REQUIRE_ESM', () => {
    // Node 20 before 20.19 has no require(esm); --no-experimental-require-module makes this one behave so
    const r = esm(
      `
      const m = await import('cnn2mlp');
      let err; try { m.loadOnnx(new Uint8Array([1, 2, 3])); } catch (e) { err = e; }
      const y = await m.runCnn(${small}, new Float32Array(16));
      console.log(JSON.stringify({ code: err?.code, message: err?.message, isError: err instanceof m.Cnn2MlpError, y: y.length }));
    `,
      ['--no-experimental-require-module'],
    );
    expect(r.status).toBe(0);
    expect(r.out.isError).toBe(true);
    expect(r.out.code).toBe('ERR_UNSUPPORTED');
    expect(r.out.message).toMatch(/loadOnnx .*Node\.js 20\.19 or 22\.12.*require\('cnn2mlp'\)/);
    expect(r.out.y).toBe(18);
  });
});
