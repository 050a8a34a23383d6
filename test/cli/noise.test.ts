/**
 * Small untruths and noise: npm warns about no project config; the README's CLI section matches
 * --help; `convert seed` works like `stats seed`; `demo --model` explains what it needs; error
 * messages do not leak parser echoes or temporary file names; the OpenCV export names every flag
 * it needs in one message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, expectOneLineError, fashionModel, fixedBatchOnnx, json, root } from './cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'cnn2mlp-cli-noise-'));
beforeAll(ensureBuilt);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm', () => {
  it('no unknown project config: npm commands print no warning', () => {
    const r = spawnSync('npm', ['config', 'get', 'registry'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/Unknown project config/);
  });

  it("the README says how onnxruntime-node's CUDA download is skipped", () => {
    expect(readFileSync(path.join(root, 'README.md'), 'utf8')).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip npm ci/);
  });
});

describe("the README's CLI section matches --help", () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## CLI\n'), readme.indexOf('\n## ', readme.indexOf('## CLI\n') + 5));
  const synopsis = /```\n([\s\S]*?)```/.exec(section)![1].split('\n').filter((l) => l.startsWith('cnn2mlp '));

  it('lists exactly the subcommands of cnn2mlp --help', () => {
    const help = cli(['--help']).stdout;
    const commands = [...help.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(synopsis.map((l) => l.split(' ')[1]).sort()).toEqual(commands.sort());
  });

  it('every option the README names exists in that subcommand --help, and every option in --help is in the README', () => {
    const mentioned = new Set([...section.matchAll(/(-{1,2}[a-z][\w-]*)/g)].map((m) => m[1]));
    for (const line of synopsis) {
      const cmd = line.split(' ')[1];
      const help = cli([cmd, '--help']).stdout;
      // each option of --help as its aliases: "  -o, --output <file>" → ['-o', '--output']
      const options = [...help.matchAll(/^ {2}(-[\w-]+)(?:, (--[\w-]+))?/gm)].map((m) => [m[1], m[2]].filter((a): a is string => !!a));
      const inHelp = new Set(options.flat());
      const named = [...line.matchAll(/(?:\[|\||\s)(-{1,2}[a-z][\w-]*)/g)].map((m) => m[1]);
      for (const opt of named) expect(inHelp, `${cmd} --help lacks ${opt}`).toContain(opt);
      for (const aliases of options) {
        if (aliases.includes('--help')) continue;
        expect(aliases.some((a) => mentioned.has(a)), `README CLI section lacks ${cmd} ${aliases.join(', ')}`).toBe(true);
      }
    }
  });

  it("the Benchmarks section's bench options exist", () => {
    const line = /`npm run bench` \(= `cnn2mlp bench`;([^)]*)\)/.exec(readme)![1];
    const help = cli(['bench', '--help']).stdout;
    const options = new Set([...help.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]));
    for (const m of line.matchAll(/`(--[\w-]+)`/g)) expect(options, `bench --help lacks ${m[1]}`).toContain(m[1]);
  });
});

describe('small untruths', () => {
  it('convert seed works like stats seed', () => {
    const c = json(cli(['convert', 'seed', '--strides', '3', '-o', path.join(dir, 'seed3.mlp'), '--json']));
    expect(c.format).toBe('csr');
    expect(c.inputSize).toBe(80 * 80 * 3);
    expect(c.outputSize).toBe(29);
  });

  it('demo --model on a model that is not a Fashion-MNIST classifier says what it needs', () => {
    const other = path.join(dir, 'other.onnx');
    writeFileSync(other, fixedBatchOnnx(1));
    expectOneLineError(cli(['demo', '--model', other]), /--model must be a Fashion-MNIST classifier \(input 28×28×1, 10 outputs\) .* takes \[1, 12, 12\] and returns 5 values; to check any other model use 'cnn2mlp verify .*other\.onnx' \(ERR_INVALID_ARG\)$/);
  });

  it('a malformed model.json: the error says where, without echoing the file', () => {
    const bad = path.join(dir, 'model.json');
    writeFileSync(bad, 'not json\nat all');
    const r = cli(['stats', bad]);
    expectOneLineError(r, /TF\.js: cannot read '.*model\.json' as JSON: it is not valid JSON \(unexpected 'o'\) \(ERR_BAD_FILE\)$/);
    expect(r.stderr).not.toContain('"not json');
  });

  it('an output in a missing directory is refused before any work, naming the output and not a temporary file', () => {
    for (const out of ['x.mlp', 'x.onnx', 'x.yml']) {
      const target = path.join(dir, 'missing', out);
      const r = cli(['convert', fashionModel, '-o', target]);
      expectOneLineError(r, new RegExp(`cannot write the output .*missing/${out.replace('.', '\\.')}: the directory .*missing does not exist \\(ERR_BAD_FILE\\)$`));
      expect(r.stderr).not.toMatch(/\.tmp-/);
    }
    expectOneLineError(cli(['run', fashionModel, path.join(root, 'data/fashion-mnist/t10k-labels-idx1-ubyte.gz'), '-o', path.join(dir, 'missing', 'y.npy')]), /cannot write --output .*y\.npy: the directory .*missing does not exist/);
  });

  it('OpenCV export: one message names every flag the MLP needs, and with them it is written', () => {
    const yml = path.join(dir, 'f.yml');
    expectOneLineError(cli(['convert', fashionModel, '-o', yml]), /OpenCV export: pass --opencv-softmax logits --opencv-linear reluPair: .*softmax.*relu pairs.*\(ERR_UNSUPPORTED\)$/);
    expectOneLineError(cli(['convert', fashionModel, '-o', yml, '--opencv-softmax', 'logits']), /OpenCV export: pass --opencv-linear reluPair: linear layers among relu layers/);
    expect(existsSync(yml)).toBe(false);
    expect(cli(['convert', '--help']).stdout.replace(/\s+/g, ' ')).toMatch(/A typical OpenCV export of a classifier: --opencv-softmax logits --opencv-linear reluPair/);
  });
});
