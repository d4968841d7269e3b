import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { createAwsClients, type AwsClients } from '@ocr-jobs/runtime';
import { startS3rver, type Emulator } from '../src/emulators';
import { sweepAbandonedMultipart } from '../src/orphan-sweep';

/** Objects without a row are swept by the jobs-api (services/jobs-api/test/orphan-sweep.test.ts). */
describe("sweep of s3rver's incomplete multipart uploads", () => {
  let s3rver: Emulator;
  let dir: string;
  let clients: AwsClients;
  const bucket = 'sweep-test';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-s3-'));
    s3rver = await startS3rver({ dataDir: dir });
    clients = createAwsClients({
      region: 'us-east-1',
      s3ForcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoints: { s3: s3rver.endpoint },
    });
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    clients.destroy();
    await s3rver.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('removes a multipart upload that was never completed once it is old enough', async () => {
    // Prepare: a multipart upload with one part, never completed.
    const { UploadId } = await clients.s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'jobs/big' }),
    );
    await clients.s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: 'jobs/big', UploadId, PartNumber: 1, Body: 'part' }),
    );

    // Act: too young to sweep, then old enough.
    const young = sweepAbandonedMultipart({ s3DataDir: dir, bucket, minAgeMs: 3_600_000 });
    const old = sweepAbandonedMultipart({
      s3DataDir: dir,
      bucket,
      minAgeMs: 0,
      now: new Date(Date.now() + 1_000),
    });

    // Assess
    expect(young).toEqual([]);
    expect(old).toEqual([UploadId]);
    expect(fs.readdirSync(path.join(dir, bucket, '._S3rver_uploads'))).toEqual([]);
  });
});
