#!/usr/bin/env node
// Writes src/metadata.ts: what the @nestjs/swagger compiler plugin (`classValidatorShim`, `introspectComments`)
// finds in the DTOs (`*.dto.ts`) and controllers, for `SwaggerModule.loadPluginMetadata` at boot
// (src/platform/http/openapi.ts). The build is SWC, which runs no TypeScript compiler plugin, so the
// plugin's findings are generated here, committed, and checked by `npm test`. Generating needs the
// type checker and a tsc compile (10–20 s), which is why it is not part of the build.
//
// Nest's own generator (the plugin's `ReadonlyVisitor`) leaves out every class-validator argument that is
// not a literal (`@MaxLength(MAX_CLIENT_NAME_LENGTH)`, `@Max(MAX_USER_LICENSES)`) and every `@IsIn`, which
// the plugin keeps when it compiles: the schemas would lose those bounds and enums. So each DTO property's
// metadata is the compiling plugin's own, evaluated: the sources are compiled with the plugin into a
// scratch directory and each DTO class's `_OPENAPI_METADATA_FACTORY()` is called; its values are written
// out as literals, in its order, and only its `type` thunks (references to classes) are taken from the
// `ReadonlyVisitor`, which writes them as imports of src/. The controllers' metadata is the visitor's.
//
//   node scripts/openapi-metadata.mjs           regenerate src/metadata.ts (`npm run openapi:metadata`)
//   node scripts/openapi-metadata.mjs --check   exit 1 when src/metadata.ts is not what this would write
//                                               (`npm run check:openapi-metadata`, part of `npm test`)
//   node scripts/openapi-metadata.mjs [--check] DIR   another checkout than this one (with its node_modules)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import ts from 'typescript';

const require = createRequire(import.meta.url);
const swaggerPlugin = require('@nestjs/swagger/plugin');
const { PluginMetadataPrinter } = require('@nestjs/cli/lib/compiler/plugins/plugin-metadata-printer');
const { METADATA_FACTORY_NAME } = require('@nestjs/swagger/dist/plugin/plugin-constants');

const ROOT = resolve(
  process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? join(dirname(fileURLToPath(import.meta.url)), '..'),
);
const SRC = join(ROOT, 'src');
const TARGET = join(SRC, 'metadata.ts');
/** Schema constraints from class-validator decorators, descriptions from doc comments. */
const PLUGIN_OPTIONS = { classValidatorShim: true, introspectComments: true };
const check = process.argv.includes('--check');
const { factory } = ts;

/**
 * Compiles src/ with the plugin into a scratch directory inside the repository (so that its `require`s
 * find node_modules), answers `use(load)`, where `load` requires a compiled module by its path relative
 * to src/, and removes the directory.
 */
function withPluginCompiled(program, use) {
  const scratch = mkdtempSync(join(ROOT, '.openapi-metadata-'));
  try {
    const outDir = program.getCompilerOptions().outDir;
    const { emitSkipped, diagnostics } = program.emit(
      undefined,
      (fileName, text) => {
        if (!fileName.endsWith('.js')) return;
        const file = join(scratch, relative(outDir, fileName));
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
      },
      undefined,
      false,
      { before: [swaggerPlugin.before(PLUGIN_OPTIONS, program)] },
    );
    if (emitSkipped) throw new Error(ts.formatDiagnostics(diagnostics, ts.createCompilerHost({})));
    require('reflect-metadata');
    return use((path) => require(join(scratch, `${path}.js`)));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A value of the plugin's metadata as a TypeScript literal. */
function literal(value, where) {
  if (value === null) return factory.createNull();
  if (typeof value === 'boolean') return value ? factory.createTrue() : factory.createFalse();
  if (typeof value === 'string') return factory.createStringLiteral(value);
  if (typeof value === 'number' && Number.isFinite(value)) {
    const digits = factory.createNumericLiteral(Math.abs(value));
    return value < 0 ? factory.createPrefixUnaryExpression(ts.SyntaxKind.MinusToken, digits) : digits;
  }
  if (Array.isArray(value)) return factory.createArrayLiteralExpression(value.map((item) => literal(item, where)));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return factory.createObjectLiteralExpression(
      Object.entries(value).map(([key, item]) =>
        factory.createPropertyAssignment(factory.createStringLiteral(key), literal(item, `${where}.${key}`)),
      ),
    );
  }
  throw new Error(`${where}: ${String(value)} cannot be written as a literal`);
}

/** `name: value` of an object literal the visitor built, or undefined. */
function assignment(objectLiteral, name) {
  return objectLiteral?.properties.find((property) => property.name.text === name)?.initializer;
}

/**
 * One DTO class's properties: the compiled plugin's values, in its order, as literals; function values
 * (the `type` thunks) as the visitor wrote them.
 */
function modelProperties(compiled, visited, where) {
  return factory.createObjectLiteralExpression(
    Object.entries(compiled).map(([property, metadata]) => {
      const visitedProperty = assignment(visited, property);
      if (!visitedProperty) throw new Error(`${where}.${property}: missing from the ReadonlyVisitor's metadata`);
      const entries = Object.entries(metadata).map(([key, value]) => {
        if (typeof value !== 'function')
          return factory.createPropertyAssignment(key, literal(value, `${where}.${key}`));
        const thunk = assignment(visitedProperty, key);
        if (!thunk) throw new Error(`${where}.${property}.${key}: missing from the ReadonlyVisitor's metadata`);
        return factory.createPropertyAssignment(key, thunk);
      });
      return factory.createPropertyAssignment(property, factory.createObjectLiteralExpression(entries));
    }),
  );
}

/** What src/metadata.ts should hold, formatted as `npm run format` would leave it. */
async function generate() {
  const program = swaggerPlugin.ReadonlyVisitor.createTsProgram(join(ROOT, 'tsconfig.build.json'));
  const visitor = new swaggerPlugin.ReadonlyVisitor({ ...PLUGIN_OPTIONS, pathToSource: SRC });
  for (const sourceFile of program.getSourceFiles()) {
    if (!sourceFile.isDeclarationFile) visitor.visit(program, sourceFile);
  }
  const { models, controllers } = visitor.collect();
  const richModels = withPluginCompiled(program, (load) =>
    models.map(([importExpression, classes]) => {
      const path = importExpression.arguments[0].text;
      const module = load(path);
      const rich = {};
      for (const [className, visited] of Object.entries(classes)) {
        const metadataFactory = module[className]?.[METADATA_FACTORY_NAME];
        if (typeof metadataFactory !== 'function') throw new Error(`${path}: ${className} has no plugin metadata`);
        rich[className] = modelProperties(metadataFactory(), visited, `${path}: ${className}`);
      }
      return [importExpression, rich];
    }),
  );

  const outputDir = mkdtempSync(join(tmpdir(), 'openapi-metadata-'));
  try {
    new PluginMetadataPrinter().print(
      { [visitor.key]: { models: richModels, controllers } },
      visitor.typeImports,
      { outputDir, filename: 'metadata.ts' },
      ts,
    );
    const printed = readFileSync(join(outputDir, 'metadata.ts'), 'utf8');
    // The printer starts the file with `/* eslint-disable */`. It declares the table of imported types
    // (`const t`) even when that is empty, which the type check's `noUnusedLocals` refuses: the generated
    // file is exempt from the type check too.
    const header =
      '/* eslint-disable */\n' +
      '// @ts-nocheck\n' +
      '// Generated by `npm run openapi:metadata` (scripts/openapi-metadata.mjs) from the DTOs and controllers:\n' +
      '// do not edit. `npm test` fails while it differs from what that command would write.\n';
    const source = header + printed.replace(/^\/\* eslint-disable \*\/\n/, '');
    return prettier.format(source, { ...(await prettier.resolveConfig(TARGET)), filepath: TARGET });
  } finally {
    rmSync(outputDir, { recursive: true, force: true });
  }
}

const expected = await generate();
if (!check) {
  writeFileSync(TARGET, expected);
  console.log(`wrote ${relative(ROOT, TARGET)}`);
} else {
  let current;
  try {
    current = readFileSync(TARGET, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== expected) {
    console.error(
      `src/metadata.ts is ${current === undefined ? 'missing' : 'stale'}: the OpenAPI document would not match ` +
        'the DTOs and controllers. Run `npm run openapi:metadata` and commit the result.',
    );
    process.exit(1);
  }
  console.log('src/metadata.ts matches the DTOs and controllers');
}
