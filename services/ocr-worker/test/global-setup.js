const { execFileSync } = require('node:child_process');
const path = require('node:path');

/** Builds dist/ so the process tests start the worker exactly as production does. */
module.exports = async (globalConfig, projectConfig) => {
  // The shared setup (AWS call log) first: this file replaces the preset's globalSetup.
  await require(path.join(__dirname, '..', '..', '..', 'jest.global-setup.js'))(globalConfig, projectConfig);
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: path.join(__dirname, '..'),
    stdio: 'inherit',
  });
};
