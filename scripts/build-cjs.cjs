// Builds the CommonJS entry of the package: every compiled ES module under dist/ (the CLI aside)
// gets a .cjs twin beside it, and every declaration file a .d.cts twin, so `require('cnn2mlp')`
// works and type-checks on every Node 20 (require(esm) does not exist before 20.19). Run after
// `tsc -p tsconfig.build.json`. The twins sit at the same depth as the .js files, so paths
// computed from the module's own location stay right.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const dist = path.resolve(__dirname, '..', 'dist');
const skip = new Set([path.join(dist, 'cli')]);
const URL_OF_THIS_FILE = "require('node:url').pathToFileURL(__filename).href";

function* modules(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!skip.has(p)) yield* modules(p);
    } else if (e.name.endsWith('.js') || e.name.endsWith('.d.ts')) yield p;
  }
}

/** Relative specifiers './x.js' → './x.cjs' (declarations: `from '…'` and `import('…')`). */
function toCjsSpecifiers(text) {
  return text.replace(/(from\s+|import\()(["'])(\.{1,2}\/[^"']+)\.js\2/g, (_m, lead, q, p) => `${lead}${q}${p}.cjs${q}`);
}

let count = 0;
for (const file of modules(dist)) {
  if (file.endsWith('.d.ts')) {
    fs.writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), toCjsSpecifiers(fs.readFileSync(file, 'utf8')));
    continue;
  }
  const source = fs
    .readFileSync(file, 'utf8')
    // a module-level createRequire(import.meta.url) is CommonJS's own require
    .replace(/^const require = createRequire\(import\.meta\.url\);$/m, '')
    .replace(/\bimport\.meta\.url\b/g, '__cnn2mlpModuleUrl');
  if (/\bimport\.meta\b/.test(source)) throw new Error(`${file}: import.meta other than .url has no CommonJS form`);
  const out = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
  }).outputText;
  const cjs = out
    .replace(/require\((["'])(\.{1,2}\/[^"']+)\.js\1\)/g, (_m, q, p) => `require(${q}${p}.cjs${q})`)
    .replace(/^"use strict";\n?/, `"use strict";\nconst __cnn2mlpModuleUrl = ${URL_OF_THIS_FILE};\n`);
  fs.writeFileSync(file.replace(/\.js$/, '.cjs'), cjs);
  count++;
}
process.stdout.write(`build-cjs: ${count} CommonJS modules beside their ES twins in dist/\n`);
