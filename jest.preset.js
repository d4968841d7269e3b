const path = require('node:path');

/**
 * One jest configuration for every workspace. Workspace packages are mapped to their sources so a
 * test never runs against a stale dist/ of a sibling package.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleNameMapper: {
    '^@ocr-jobs/(contracts|runtime|audit-store|db|testing|local-stack|images)$': path.join(
      __dirname,
      'packages/$1/src/index.ts',
    ),
  },
  setupFiles: [path.join(__dirname, 'jest.setup.js')],
  globalSetup: path.join(__dirname, 'jest.global-setup.js'),
  testTimeout: 60_000,
  // Tests start real emulators and databases; running files one after another keeps 2 cores responsive.
  maxWorkers: 1,
};
