import path from 'node:path';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { QueryTypes } from 'sequelize';
import { physicalNames } from '@ocr-jobs/contracts';
import { createDatabase } from '@ocr-jobs/db';
import { postJob, testImages, waitFor } from '@ocr-jobs/testing';
import { startFaultStack, type FaultStack } from './support/fault-stack';
import { allFinished, api, jobView, orphanObjects, settledInvariants } from './support/invariants';

/**
 * Duplicate and out-of-order OCR messages sent straight into the queue of a running `npm start`:
 * copies of finished items' messages, and a message arriving after its job was deleted. Nothing may
 * count twice, announce twice or leave an object behind.
 */
describe('duplicate and out-of-order OCR messages', () => {
  let stack: FaultStack;
  let sqs: SQSClient;
  let queueUrl: string;
  const names = physicalNames('ocr-jobs-local');

  beforeAll(async () => {
    stack = await startFaultStack({ env: { OCR_ENGINE: 'mock' } });
    sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${stack.ports.fauxqs}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: names.ocrQueue }))).QueueUrl!;
  });
  afterAll(async () => {
    sqs.destroy();
    expect(await stack.stop()).toBe(0);
  });

  async function itemsOf(jobId: string) {
    const db = createDatabase({
      url: `sqlite:${path.join(stack.dataDir, 'ocr-jobs.sqlite')}`,
      bindModels: false,
    });
    try {
      return await db.query<{ id: string; s3_key: string }>(
        'SELECT id, s3_key FROM job_items WHERE job_id = ?',
        {
          replacements: [jobId],
          type: QueryTypes.SELECT,
        },
      );
    } finally {
      await db.close();
    }
  }
  const send = (jobId: string, item: { id: string; s3_key: string }) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({
          job_id: jobId,
          item_id: item.id,
          s3_bucket: names.bucket,
          s3_key: item.s3_key,
          created_at: new Date().toISOString(),
        }),
      }),
    );
  const drained = async () => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Object.values(Attributes).every((n) => Number(n) === 0);
  };

  it('ignores copies of finished items’ messages and a message for a deleted job', async () => {
    // Prepare: one job finished, one finished and then deleted.
    const kept = await postJob(stack.apiUrl, stack.apiKey, 'kept', await testImages(3, 11));
    const gone = await postJob(stack.apiUrl, stack.apiKey, 'gone', await testImages(1, 12));
    await waitFor('both jobs to finish', () => allFinished(stack.handle, [kept.jobId!, gone.jobId!]), {
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    const keptItems = await itemsOf(kept.jobId!);
    const goneItems = await itemsOf(gone.jobId!);
    const before = await jobView(stack.handle, kept.jobId!);
    expect((await api(stack, `/api/jobs/${gone.jobId}`, { method: 'DELETE' })).status).toBe(204);

    // Act: every message of the kept job twice more (concurrently), and the deleted job's message.
    await Promise.all([...keptItems, ...keptItems].map((item) => send(kept.jobId!, item)));
    await send(gone.jobId!, goneItems[0]!);
    await waitFor('the OCR queue to drain', drained, { timeoutMs: 30_000, intervalMs: 500 });

    // Assess: nothing changed, nothing announced twice, no result written for the deleted job.
    const after = await jobView(stack.handle, kept.jobId!);
    expect(after).toMatchObject({
      status: before.status,
      done_items: before.done_items,
      error_items: before.error_items,
    });
    expect(await settledInvariants(stack.handle, [kept.jobId!])).toEqual([]);
    expect(await orphanObjects(stack.handle)).toEqual([]);
  });
});
