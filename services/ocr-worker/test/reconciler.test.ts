import { PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { Job, JobItem, OutboxMessage } from '@ocr-jobs/db';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import { createTestDatabase, testDialects, type TestDatabase } from '@ocr-jobs/testing';
import { Reconciler } from '../src/state/reconciler';
import { createJob, queueDepth, sendOcrMessage } from './support/fixtures';
import { testLogger } from './support/logger';

describe.each(testDialects())('reconciler on %s', (dialect) => {
  let stack: TestStack;
  let database: TestDatabase;

  beforeAll(async () => {
    [stack, database] = await Promise.all([startTestStack(), createTestDatabase(dialect)]);
  });
  afterAll(async () => {
    await Promise.all([stack?.stop(), database?.drop()]);
  });
  afterEach(async () => {
    // Each case starts with no unfinished work and an empty outbox.
    await OutboxMessage.destroy({ where: {} });
    await JobItem.update({ status: 'DONE' }, { where: { status: ['PENDING', 'PROCESSING'] } });
    await Job.update({ status: 'DONE' }, { where: { status: ['PENDING', 'PROCESSING'] } });
  });

  const reconciler = (overrides: { quietMs?: number; maxRedrives?: number } = {}) =>
    new Reconciler({
      db: database.db,
      sqs: stack.serviceClients.sqs,
      ocrQueueUrl: stack.resources.queueUrls.ocr,
      bucket: stack.names.bucket,
      logger: testLogger(),
      intervalMs: 3_600_000,
      quietMs: overrides.quietMs ?? 0,
      maxRedrives: overrides.maxRedrives ?? 2,
    });
  const ocrOutbox = async () =>
    (await OutboxMessage.findAll({ where: { destination: 'ocr' } })).map(
      (row) => JSON.parse(row.body) as { item_id: string; s3_key: string; run?: number },
    );
  /** The item's OCR message as the API sends it (run 0: no run field). */
  const ocrMessageOf = (item: { id: string; job_id: string; s3_key: string }) => ({
    job_id: item.job_id,
    item_id: item.id,
    s3_bucket: stack.names.bucket,
    s3_key: item.s3_key,
    created_at: new Date().toISOString(),
  });
  const auditActions = async () =>
    (await OutboxMessage.findAll({ where: { destination: 'audit' } })).map(
      (row) => (JSON.parse(row.body) as { action: string }).action,
    );

  it('re-sends the message of an item whose message was lost, once per pass, through the outbox', async () => {
    // Prepare: an item with no message anywhere (the queue restarted).
    const { items } = await createJob(stack, [{ body: Buffer.from('x'), ext: 'png' }]);
    const item = items[0]!;

    // Act
    const first = await reconciler().sweep();
    const second = await reconciler().sweep(); // its outbox row is unsent: not stranded any more

    // Assess
    expect(first).toMatchObject({ redriven: 1, failed: 0 });
    expect(second).toMatchObject({ redriven: 0, failed: 0 });
    expect(await ocrOutbox()).toEqual([expect.objectContaining({ item_id: item.id, s3_key: item.s3_key })]);
    expect((await JobItem.findByPk(item.id))?.redrives).toBe(1);
  });

  it("re-sends the message of the item's current run", async () => {
    // Prepare: an item on its second run (retried) whose message was lost.
    const { items } = await createJob(stack, [{ body: Buffer.from('x'), ext: 'png' }]);
    await JobItem.update({ run: 1 }, { where: { id: items[0]!.id } });

    // Act
    expect(await reconciler().sweep()).toMatchObject({ redriven: 1 });

    // Assess: a message of run 0 would be ignored by the worker.
    expect(await ocrOutbox()).toEqual([expect.objectContaining({ item_id: items[0]!.id, run: 1 })]);
  });

  it('leaves an item alone while the OCR queue holds a message, and one touched recently', async () => {
    const { items } = await createJob(stack, [{ body: Buffer.from('x'), ext: 'png' }]);
    await sendOcrMessage(stack, items[0]!);
    try {
      expect(await reconciler().sweep()).toMatchObject({ redriven: 0, failed: 0 });
    } finally {
      await stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: stack.resources.queueUrls.ocr }));
    }
    expect(await queueDepth(stack, stack.resources.queueUrls.ocr)).toBe(0);
    expect(await reconciler({ quietMs: 60_000 }).sweep()).toMatchObject({ redriven: 0, failed: 0 });
    expect(await ocrOutbox()).toEqual([]);
  });

  it('fails an item that stays stranded after its last re-send, and the job finishes', async () => {
    // Prepare: two items, one already done; the other exhausted its re-sends.
    const { job, items } = await createJob(stack, [
      { body: Buffer.from('x'), ext: 'png' },
      { body: Buffer.from('y'), ext: 'png' },
    ]);
    await JobItem.update({ status: 'DONE', ocr_text: 'ok' }, { where: { id: items[0]!.id } });
    await Job.update({ status: 'PROCESSING', done_items: 1 }, { where: { id: job.id } });
    await JobItem.update({ status: 'PROCESSING', redrives: 2 }, { where: { id: items[1]!.id } });

    // Act
    const result = await reconciler({ maxRedrives: 2 }).sweep();

    // Assess
    expect(result).toMatchObject({ failed: 1, redriven: 0 });
    const failed = await JobItem.findByPk(items[1]!.id);
    expect(failed?.status).toBe('ERROR');
    expect(failed?.error_msg).toMatch(/stranded: no queue message left after 2 re-sends/);
    // One item read, one failed: the job is DONE, its error_items says one failed.
    expect(await Job.findByPk(job.id)).toMatchObject({ status: 'DONE', done_items: 1, error_items: 1 });
    expect((await auditActions()).sort()).toEqual(['item.failed', 'job.finished']);
  });

  it('drops a dead letter of an earlier run of the item, changing nothing', async () => {
    // Prepare: the item was retried (run 1) after its run-0 message reached the dead-letter queue.
    const { job, items } = await createJob(stack, [{ body: Buffer.from('x'), ext: 'png' }]);
    const item = items[0]!;
    await JobItem.update({ status: 'PENDING', run: 1 }, { where: { id: item.id } });
    await Job.update({ status: 'PROCESSING' }, { where: { id: job.id } });
    const dlq = stack.resources.queueUrls.ocrDeadLetter;
    const body = ocrMessageOf(item);
    await stack.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: dlq, MessageBody: JSON.stringify(body) }),
    );

    // Act
    const result = await reconciler({ quietMs: 3_600_000 }).sweep();

    // Assess
    expect(result.deadLettered).toBe(0);
    expect(await JobItem.findByPk(item.id)).toMatchObject({ status: 'PENDING', run: 1 });
    expect(await Job.findByPk(job.id)).toMatchObject({ status: 'PROCESSING', error_items: 0 });
    expect(await auditActions()).toEqual([]);
    expect(await queueDepth(stack, dlq)).toBe(0);
  });

  it('fails a dead-lettered item with item.failed, finishes its job, and empties the dead-letter queue', async () => {
    // Prepare: the message of a poison item, moved to the DLQ by SQS after maxReceiveCount receives.
    const { job, items } = await createJob(stack, [{ body: Buffer.from('x'), ext: 'png' }]);
    const item = items[0]!;
    await JobItem.update({ status: 'PROCESSING', attempts: 5 }, { where: { id: item.id } });
    await Job.update({ status: 'PROCESSING' }, { where: { id: job.id } });
    const body = ocrMessageOf(item);
    const dlq = stack.resources.queueUrls.ocrDeadLetter;
    await stack.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: dlq, MessageBody: JSON.stringify(body) }),
    );
    // A second dead letter of the same item (a duplicate message) changes nothing more.
    await stack.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: dlq, MessageBody: JSON.stringify(body) }),
    );

    // Act: quietMs is large, so only the dead-letter path can act.
    const result = await reconciler({ quietMs: 3_600_000 }).sweep();

    // Assess
    expect(result.deadLettered).toBe(1);
    const failed = await JobItem.findByPk(item.id);
    expect(failed?.status).toBe('ERROR');
    expect(failed?.error_msg).toMatch(/dead-letter queue/);
    expect(await Job.findByPk(job.id)).toMatchObject({ status: 'ERROR', error_items: 1 });
    expect((await auditActions()).sort()).toEqual(['item.failed', 'job.finished']);
    expect(await queueDepth(stack, dlq)).toBe(0);
  });
});
