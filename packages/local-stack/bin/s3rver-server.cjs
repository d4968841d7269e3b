// Runs s3rver (the @20minutes fork, maintained, Node >= 20) as the local S3: objects live on disk
// under S3RVER_DIRECTORY, so files and results survive a restart or SIGKILL of the whole stack.
'use strict';
const S3rver = require('@20minutes/s3rver');
const AWSAccount = require('@20minutes/s3rver/lib/models/account');

// s3rver looks the access key up in its own registry; register the keys the local stack and the test
// stack sign with (fixed, local-only values). Its SigV4 check predates the SDK's checksum headers and
// rejects the SDK's valid signatures, so mismatches are allowed: like fauxqs (and a misconfigured
// bucket) it does not enforce what a presigned URL signed, which is why the API verifies uploads itself.
for (const key of ['local', 'test']) AWSAccount.DUMMY_ACCOUNT.createKeyPair(key, key);

const port = Number(process.env.S3RVER_PORT ?? 4568);
const server = new S3rver({
  address: '127.0.0.1',
  port,
  directory: process.env.S3RVER_DIRECTORY,
  silent: true,
  vhostBuckets: false,
  resetOnClose: false,
  allowMismatchedSignatures: true,
});
server.run().then(
  () =>
    process.stdout.write(`s3rver listening on 127.0.0.1:${port}, data in ${process.env.S3RVER_DIRECTORY}\n`),
  (error) => {
    process.stderr.write(`s3rver failed to start: ${error}\n`);
    process.exit(1);
  },
);
const stop = () => server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
