import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Job, JobItem } from '@ocr-jobs/db';
import { createAwsClients, type AwsClients } from '@ocr-jobs/runtime';
import { createTestDatabase, type TestDatabase } from '@ocr-jobs/testing';
import { startS3rver, type Emulator } from '../src/emulators';
import { sweepOrphans } from '../src/orphan-sweep';

describe('orphan sweep of the local S3 (s3rver on disk, SQLite)', () => {
  let s3rver: Emulator;
  let dir: string;
  let clients: AwsClients;
  let database: TestDatabase;
  const bucket = 'sweep-test';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-s3-'));
    [s3rver, database] = await Promise.all([startS3rver({ dataDir: dir }), createTestDatabase('sqlite')]);
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
    await Promise.all([s3rver.stop(), database.drop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const put = (Key: string) => clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }));
  const keys = async () =>
    ((await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [])
      .map((o) => o.Key)
      .sort();

  it('removes objects no row owns, unused uploads and incomplete multipart uploads; keeps owned ones', async () => {
    // Prepare: an item with its file and result; an orphan file and result; an unused upload; and a
    // multipart upload that was never completed.
    const job = await Job.create({ tenant: 't', name: 'n', sqs_retention_deadline: new Date() });
    const item = await JobItem.create({
      job_id: job.id,
      s3_key: `jobs/${job.id}/${randomUUID()}.png`,
      filename: 'a.png',
      content_type: 'image/png',
      bytes: 1,
    });
    const orphanJob = randomUUID();
    await Promise.all([
      put(item.s3_key),
      put(`results/${job.id}/${item.id}.json`),
      put(`jobs/${orphanJob}/${randomUUID()}.png`),
      put(`results/${orphanJob}/${randomUUID()}.json`),
      put(`uploads/${'a'.repeat(32)}/${randomUUID()}`),
    ]);
    const { UploadId } = await clients.s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'jobs/big' }),
    );
    await clients.s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: 'jobs/big', UploadId, PartNumber: 1, Body: 'part' }),
    );
    const options = { s3: clients.s3, bucket, db: database.db, s3DataDir: dir };

    // Act: too young to sweep, then old enough.
    const young = await sweepOrphans({ ...options, minAgeMs: 3_600_000 });
    const old = await sweepOrphans({ ...options, minAgeMs: 0, now: new Date(Date.now() + 1_000) });

    // Assess
    expect(young).toEqual({ orphans: [], abandonedUploads: [], abandonedMultipart: [] });
    expect(old.orphans).toHaveLength(2);
    expect(old.abandonedUploads).toHaveLength(1);
    expect(old.abandonedMultipart).toEqual([UploadId]);
    expect(await keys()).toEqual([item.s3_key, `results/${job.id}/${item.id}.json`].sort());
  });
});
