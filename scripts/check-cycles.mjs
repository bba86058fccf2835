#!/usr/bin/env node
// Fails when src/ has an import cycle: between files, or between contexts (src/<context>/, the files
// directly in src/ being the composition root). Only imports that exist at run time count: each file is
// compiled as `npm test`'s ts-jest compiles it (`transpileModule`, this repository's compiler options),
// and the `require()`s left at its top level are its imports. So `import type`, `import { type A }` and
// an import whose names are only used as types (all erased by the compiler) do not count, while a class
// named in a decorated constructor (kept for Nest's dependency injection by `emitDecoratorMetadata`)
// does. `await import()` inside a function runs later and does not count either. Specs (`*.spec.ts`) are
// left out: nothing imports them, and one may use another context's code as its fixture.
//
//   node scripts/check-cycles.mjs            runtime imports (what `npm test` checks)
//   node scripts/check-cycles.mjs --types    type-only imports as well: couplings, not load-order hazards
//   node scripts/check-cycles.mjs --graph    also print which context imports which
//   node scripts/check-cycles.mjs DIR        another source tree than src/ (the compiler options stay this one's)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = resolve(process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? join(ROOT, 'src'));
const withTypes = process.argv.includes('--types');

const { config, error } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.spec.ts')
      ? [path]
      : [];
  });
}

/** The file a relative specifier names, or undefined when it is a package or outside src/. */
function resolveSpecifier(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (candidate.startsWith(SRC + sep) && candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** `require("x")` calls in top-level statements of the compiled file, not inside any function. */
function runtimeSpecifiers(file, text) {
  const { outputText } = ts.transpileModule(text, { compilerOptions: options, fileName: file });
  const compiled = ts.createSourceFile(`${file}.js`, outputText, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const found = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node)) return;
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'require' &&
      node.arguments.length === 1 &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  compiled.statements.forEach(visit);
  return found;
}

/** Every `import … from` and `export … from` specifier, type-only ones included. */
function allSpecifiers(file, text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return source.statements
    .filter((statement) => ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement))
    .map((statement) => statement.moduleSpecifier)
    .filter((specifier) => specifier && ts.isStringLiteral(specifier))
    .map((specifier) => specifier.text);
}

const files = sourceFiles(SRC).sort();
const imports = new Map();
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const specifiers = withTypes ? allSpecifiers(file, text) : runtimeSpecifiers(file, text);
  const targets = new Set(specifiers.map((specifier) => resolveSpecifier(file, specifier)).filter(Boolean));
  imports.set(file, [...targets].sort());
}

const name = (file) => relative(dirname(SRC), file).split(sep).join('/');
const contextOf = (file) => {
  const parts = relative(SRC, file).split(sep);
  return parts.length === 1 ? `${name(SRC)} (composition root)` : `${name(SRC)}/${parts[0]}`;
};

/** Strongly connected components with more than one member, or a member that imports itself (Tarjan). */
function cycles(graph) {
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const connect = (node) => {
    indices.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), indices.get(next)));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) connect(node);
  return found;
}

/** One shortest path from `from` back to itself within `members`: the cycle to show. */
function shortestCycle(graph, from, members) {
  const previous = new Map();
  const queue = [from];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === from) {
        const path = [node];
        while (path[0] !== from) path.unshift(previous.get(path[0]));
        return [...path, from];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [from, from];
}

// The context graph, with the file imports behind each of its edges.
const contextGraph = new Map();
const because = new Map();
for (const [file, targets] of imports) {
  const from = contextOf(file);
  if (!contextGraph.has(from)) contextGraph.set(from, new Set());
  for (const target of targets) {
    const to = contextOf(target);
    if (to === from) continue;
    contextGraph.get(from).add(to);
    const key = `${from} -> ${to}`;
    if (!because.has(key)) because.set(key, []);
    because.get(key).push(`${name(file)} -> ${name(target)}`);
  }
}
const contextEdges = new Map([...contextGraph].map(([from, to]) => [from, [...to].sort()]));

if (process.argv.includes('--graph')) {
  for (const [from, to] of [...contextEdges].sort()) console.log(`${from} -> ${to.join(', ') || '(nothing)'}`);
}

const kind = withTypes ? 'imports, type-only ones included' : 'runtime imports';
let failed = false;
for (const component of cycles(imports)) {
  failed = true;
  const members = new Set(component);
  console.log(`file import cycle (${kind}): ${shortestCycle(imports, component[0], members).map(name).join(' -> ')}`);
  if (component.length > 2) console.log(`  all ${component.length} files in it: ${component.map(name).join(', ')}`);
}
for (const component of cycles(contextEdges)) {
  failed = true;
  const path = shortestCycle(contextEdges, component[0], new Set(component));
  console.log(`context import cycle (${kind}): ${path.join(' -> ')}`);
  for (let i = 0; i + 1 < path.length; i++) {
    const files = because.get(`${path[i]} -> ${path[i + 1]}`);
    console.log(`  ${path[i]} -> ${path[i + 1]}:`);
    for (const edge of files) console.log(`    ${edge}`);
  }
}
if (failed) {
  process.exitCode = 1;
} else {
  const edges = [...imports.values()].reduce((sum, targets) => sum + targets.length, 0);
  console.log(`no import cycle (${kind}): ${files.length} files, ${edges} imports, ${contextEdges.size} contexts`);
}
