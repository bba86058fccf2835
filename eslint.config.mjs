// typescript-eslint's recommended type-checked set (promises used as values, floating promises, awaits of
// non-promises, `any` leaking out of untyped calls…) plus type-only imports spelled `import type`. Each
// rule turned off below says why in one line. Formatting is prettier's (`npm run format:check`).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        // What tsconfig.json says; with type information the parser reads it from there too. Stated here so
        // `consistent-type-imports` never sees it otherwise: with both on, the rule leaves every file that
        // has a decorator alone, because Nest's dependency injection needs the runtime import of each class
        // named in a decorated constructor's parameter types (`emitDecoratorMetadata` emits a reference to
        // it); `import type` there would inject `undefined`.
        emitDecoratorMetadata: true,
        experimentalDecorators: true,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `import type` for what is only a type: the compiler's import elision stays visible in the source,
      // and an import cycle made only of types is plainly harmless. Autofixable.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
      // …and `import type { A }`, not `import { type A }`, when every name is a type: nothing of the module is
      // loaded at run time. Autofixable.
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // `const { revision: _revision, ...rest } = view` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // The embedded adapters implement async ports synchronously: `async` keeps their throws rejections.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        // URLSearchParams and URL stringify as their query and href; here they come from @types/node.
        {
          allow: [
            { name: ['Error', 'URL', 'URLSearchParams'], from: 'lib' },
            { name: ['URL', 'URLSearchParams'], from: 'package', package: 'url' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts'],
    rules: {
      // Specs read response bodies as `Json = any` on purpose: the assertions on them are the check.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // `expect(mock.method).toHaveBeenCalled()` and `reduce(decider.evolve, …)` pass methods that never use `this`.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
