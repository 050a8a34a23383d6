// Lists native sources for binding.gyp, so adding a kernel file needs no build edit.
// Usage: node scripts/list-sources.cjs <group>; groups: core (everything not ISA-specific), avx2, avx512.
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..', 'native');
const group = process.argv[2] || 'core';
const out = [];
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.cc')) out.push(p);
  }
})(root);
const isa = (f) => (/_avx512\.cc$/.test(f) ? 'avx512' : /_avx2\.cc$/.test(f) ? 'avx2' : 'core');
const rel = out
  .filter((f) => isa(f) === group && !f.includes(`${path.sep}fuzz${path.sep}`))
  .map((f) => path.relative(path.join(__dirname, '..'), f).split(path.sep).join('/'))
  .sort();
process.stdout.write(rel.join(' '));
