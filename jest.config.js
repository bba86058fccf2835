// Type-checking is `npm run typecheck`'s job (run by `npm test`); jest only transpiles. The OAuth client
// libraries the e2e tests use (oauth4webapi, jose) ship ES modules only, so they are transpiled to CommonJS
// too rather than run under jest's experimental ESM mode.
const transpiled = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '^.+/node_modules/(oauth4webapi|jose)/.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(oauth4webapi|jose)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 20000,
};

/**
 * One project per test tier (docs/ARCHITECTURE.md §10): `jest` runs them all, `jest --selectProjects unit`
 * (`npm run test:unit`) only the specs beside the code.
 */
/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    { ...transpiled, displayName: 'unit', roots: ['<rootDir>/src'], testMatch: ['**/*.spec.ts'] },
    { ...transpiled, displayName: 'property', roots: ['<rootDir>/test/property'], testMatch: ['**/*.spec.ts'] },
    { ...transpiled, displayName: 'contract', roots: ['<rootDir>/test/contract'], testMatch: ['**/*.spec.ts'] },
    { ...transpiled, displayName: 'e2e', roots: ['<rootDir>/test/e2e'], testMatch: ['**/*.spec.ts'] },
  ],
};
