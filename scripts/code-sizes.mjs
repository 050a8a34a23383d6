#!/usr/bin/env node
// Largest files and functions: node scripts/code-sizes.mjs [--top N] [path ...] (default: src native).
// TypeScript: every function, method, arrow and accessor body, from the compiler's syntax tree.
// C++ (.cc/.h/.inl): every top-level brace block opened by a `)` (a function or a lambda), found by
// counting braces outside comments, strings and character literals; namespaces, classes and structs
// are entered, not counted. Lengths are in source lines.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 10;
const roots = args.length ? args : ['src', 'native'];

const files = [];
const walk = (p) => {
  if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  else if (/\.((c|m)?ts|cc|h|inl)$/.test(p) && !p.endsWith('.d.ts')) files.push(p);
};
roots.forEach(walk);

const fileRows = [];
const fnRows = [];
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  if (/\.(cc|h|inl)$/.test(file)) {
    fileRows.push([text.split('\n').length - (text.endsWith('\n') ? 1 : 0), file]);
    for (const [n, line, name] of cppFunctions(text)) fnRows.push([n, `${file}:${line} ${name}`]);
    continue;
  }
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
/** [lines, first line, name] of each C++ function body (see the header comment for what counts). */
function cppFunctions(text) {
  const code = text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/\/\/[^\n]*/g, '')
    .replace(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, '""');
  const rows = [];
  const stack = []; // per open brace: { counted, start, name } — counted braces are function bodies
  let line = 1;
  let head = ''; // code since the last ; { or } — the function's signature when a body opens
  for (const ch of code) {
    if (ch === '\n') line++;
    if (ch === '{') {
      const inBody = stack.some((b) => b.counted);
      const sig = head.trim();
      const counted = !inBody && /\)[\w\s:&*<>,\->]*$/.test(sig) && !/^(namespace|class|struct|enum|union)\b/.test(sig);
      const name = counted ? (sig.match(/([~\w:]+)\s*\([^()]*(\([^()]*\)[^()]*)*\)[^()]*$/)?.[1] ?? '(anonymous)') : '';
      stack.push({ counted, start: line, name });
      head = '';
    } else if (ch === '}') {
      const b = stack.pop();
      if (b?.counted) rows.push([line - b.start + 1, b.start, b.name]);
      head = '';
    } else if (ch === ';') head = '';
    else head += ch;
  }
  return rows;
}

const show = (title, rows) => {
  console.log(title);
  for (const [n, what] of rows.sort((a, b) => b[0] - a[0]).slice(0, top)) console.log(`${String(n).padStart(6)}  ${what}`);
};
show(`largest files (lines) of ${files.length}:`, fileRows);
show('largest functions (lines):', fnRows);
