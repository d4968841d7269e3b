import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Job, JobItem, sweepOrphanObjects } from '@ocr-jobs/db';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import { createTestDatabase, testDialects, type TestDatabase } from '@ocr-jobs/testing';

/**
 * The sweep the API tasks run, locally and in AWS, against the stand-in S3 with the service's own
 * (recorded) client: infra's IAM parity test checks its ListObjectsV2 and DeleteObjects calls against
 * the jobs-api task role.
 */
describe.each(testDialects())('orphan sweep on %s', (dialect) => {
  let stack: TestStack;
  let database: TestDatabase;
  beforeAll(async () => {
    [stack, database] = await Promise.all([startTestStack(), createTestDatabase(dialect)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([stack?.stop(), database?.drop()]);
  });

  const bucket = () => stack.names.bucket;
  const put = (Key: string) =>
    stack.clients.s3.send(new PutObjectCommand({ Bucket: bucket(), Key, Body: 'x' }));
  const keys = async () =>
    ((await stack.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket() }))).Contents ?? [])
      .map((o) => o.Key as string)
      .sort();

  it('removes old objects no row owns and unused uploads, keeps owned and young ones', async () => {
    // Prepare: an item with its file and result; the file and result of a job that was never
    // committed (a jobs-api killed mid-upload); a result of an item deleted meanwhile; an unused upload.
    const job = await Job.create({ tenant: 't', name: 'n', sqs_retention_deadline: new Date() });
    const item = await JobItem.create({
      job_id: job.id,
      s3_key: `jobs/${job.id}/${randomUUID()}.png`,
      filename: 'a.png',
      content_type: 'image/png',
      bytes: 1,
    });
    const owned = [item.s3_key, `results/${job.id}/${item.id}.json`];
    const lost = randomUUID();
    const orphans = [
      `jobs/${lost}/${randomUUID()}.png`,
      `results/${lost}/${randomUUID()}.json`,
      `results/${job.id}/${randomUUID()}.json`,
    ];
    const upload = `uploads/${'a'.repeat(32)}/${randomUUID()}`;
    await Promise.all([...owned, ...orphans, upload].map(put));
    const options = { s3: stack.serviceClients.s3, bucket: bucket(), db: database.db };

    // Act: everything is younger than the bound; then an hour later, uploads still within their URL's life.
    const young = await sweepOrphanObjects({ ...options, minAgeMs: 3_600_000, uploadMinAgeMs: 3_600_000 });
    const later = new Date(Date.now() + 3_601_000);
    const old = await sweepOrphanObjects({
      ...options,
      minAgeMs: 3_600_000,
      uploadMinAgeMs: 7_200_000,
      now: later,
    });
    const afterUploadTtl = await sweepOrphanObjects({
      ...options,
      minAgeMs: 3_600_000,
      uploadMinAgeMs: 3_600_000,
      now: later,
    });

    // Assess
    expect(young).toEqual({ orphans: [], abandonedUploads: [] });
    expect(old.orphans.sort()).toEqual([...orphans].sort());
    expect(old.abandonedUploads).toEqual([]);
    expect(afterUploadTtl).toEqual({ orphans: [], abandonedUploads: [upload] });
    expect(await keys()).toEqual([...owned].sort());
  });
});
