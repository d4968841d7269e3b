const { execFileSync } = require('node:child_process');
const path = require('node:path');

/** Builds dist/ so the process tests start the worker exactly as production does. */
module.exports = async () => {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: path.join(__dirname, '..'),
    stdio: 'inherit',
  });
};
