/** Shared by every workspace: ts-jest, tests under test/, workspace packages resolved from source. */
module.exports = {
  ...require('../../jest.preset.js'),
  // The process tests run the built worker (dist/main.js), so build it first.
  globalSetup: '<rootDir>/test/global-setup.js',
};
