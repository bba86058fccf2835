/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  // Type-checking is `npm run typecheck`'s job (run by `npm test`); jest only transpiles. The OAuth
  // client libraries the e2e tests use (oauth4webapi, jose) ship ES modules only, so they are
  // transpiled to CommonJS too rather than run under jest's experimental ESM mode.
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    '^.+/node_modules/(oauth4webapi|jose)/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(oauth4webapi|jose)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
