#!/usr/bin/env node
// Largest TypeScript files and functions: node scripts/code-sizes.mjs [--top N] [path ...] (default src).
// Functions are every function, method, arrow and accessor body; lengths are in source lines.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 10;
const roots = args.length ? args : ['src'];

const files = [];
const walk = (p) => {
  if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  else if (/\.(c|m)?ts$/.test(p) && !p.endsWith('.d.ts')) files.push(p);
};
roots.forEach(walk);

const fileRows = [];
const fnRows = [];
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  fileRows.push([sf.getLineAndCharacterOfPosition(text.length).line + (text.endsWith('\n') ? 0 : 1), file]);
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.end).line;
      const name = node.name?.getText(sf) ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(sf) : '(anonymous)');
      fnRows.push([end - start + 1, `${file}:${start + 1} ${name}`]);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
const show = (title, rows) => {
  console.log(title);
  for (const [n, what] of rows.sort((a, b) => b[0] - a[0]).slice(0, top)) console.log(`${String(n).padStart(6)}  ${what}`);
};
show(`largest files (lines) of ${files.length}:`, fileRows);
show('largest functions (lines):', fnRows);
