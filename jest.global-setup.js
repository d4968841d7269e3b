const fs = require('node:fs');
const path = require('node:path');

/**
 * In a service's test run, records every AWS call the service makes (packages/runtime
 * src/aws/call-recorder.ts) into `<service>/.aws-calls/calls.jsonl`, started empty. infra's IAM
 * parity test reads these logs (turbo runs it after the services' tests); turbo caches the folder
 * with the test results. Other workspaces record nothing.
 */
module.exports = async (_globalConfig, projectConfig) => {
  const workspace = path.relative(__dirname, projectConfig.rootDir);
  if (!workspace.startsWith(`services${path.sep}`) || process.env.AWS_CALL_LOG) return;
  const dir = path.join(projectConfig.rootDir, '.aws-calls');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // Test workers and the service processes the tests start inherit this.
  process.env.AWS_CALL_LOG = path.join(dir, 'calls.jsonl');
};
