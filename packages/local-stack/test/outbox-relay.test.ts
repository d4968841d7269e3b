import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import {
  defaultOutboxRelayTuning,
  enqueueOcrMessages,
  OutboxMessage,
  OutboxRelay,
  recordAuditEvents,
  type OutboxRelayOptions,
} from '@ocr-jobs/db';
import { createAwsClients, createLogger } from '@ocr-jobs/runtime';
import { createTestDatabase, testDialects, type TestDatabase } from '@ocr-jobs/testing';
import { startFauxqs, startTestStack, TEST_CREDENTIALS, TEST_REGION, type TestStack } from '../src';

const logger = createLogger('test', 'error');

async function drain(stack: TestStack, queueUrl: string, expected: number): Promise<Message[]> {
  const messages: Message[] = [];
  for (let i = 0; i < 20 && messages.length < expected; i++) {
    const r = await stack.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    messages.push(...(r.Messages ?? []));
  }
  return messages;
}

/**
 * An SQS client whose requests wait at a gate: `arrived` resolves when the first request reaches it,
 * `release()` lets them through, `release(error)` fails them. It stands for SQS (or the network)
 * stalling mid-send, which the stand-in itself cannot be made to do.
 */
function stalledSqs(stack: TestStack) {
  const clients = createAwsClients({
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    endpoints: { sqs: stack.fauxqs.endpoint },
  });
  let release!: (error?: Error) => void;
  const gate = new Promise<void>((resolve, reject) => {
    release = (error) => (error ? reject(error) : resolve());
  });
  gate.catch(() => undefined);
  let reached!: () => void;
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  clients.sqs.middlewareStack.add(
    (next) => async (args) => {
      reached();
      await gate;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'stallForTest' },
  );
  return { sqs: clients.sqs, arrived, release, destroy: () => clients.destroy() };
}

function ocrMessage(bucket: string) {
  const job_id = randomUUID();
  const item_id = randomUUID();
  return {
    job_id,
    item_id,
    s3_bucket: bucket,
    s3_key: `jobs/${job_id}/${item_id}.png`,
    created_at: new Date().toISOString(),
  };
}

describe.each(testDialects())('outbox relay on %s', (dialect) => {
  let stack: TestStack;
  let t: TestDatabase;

  beforeAll(async () => {
    [stack, t] = await Promise.all([startTestStack(), createTestDatabase(dialect)]);
  });
  afterAll(async () => {
    await t.drop();
    await stack.stop();
  });
  afterEach(async () => {
    await OutboxMessage.destroy({ where: {} });
  });

  const relayWith = (sqs = stack.clients.sqs, options: Partial<OutboxRelayOptions> = {}) =>
    new OutboxRelay({
      db: t.db,
      sqs,
      queueUrls: { ocr: stack.resources.queueUrls.ocr, audit: stack.resources.queueUrls.audit },
      logger,
      ...defaultOutboxRelayTuning(),
      ...options,
    });

  it('sends committed messages in batches of at most 10 with their traceparent, then deletes the rows', async () => {
    // Prepare: 23 OCR messages and one audit event, committed together.
    const messages = Array.from({ length: 23 }, () => ocrMessage(stack.names.bucket));
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await t.db.transaction(async (tx) => {
      await enqueueOcrMessages(tx, messages, traceparent);
      await recordAuditEvents(tx, [
        { action: 'job.created', actor: 'api_key:1', tenant: 'acme', details: { items: 23 } },
      ]);
    });

    // Act
    const sent = await relayWith().relayOnce();

    // Assess
    expect(sent).toBe(24);
    expect(await OutboxMessage.count()).toBe(0);
    const received = await drain(stack, stack.resources.queueUrls.ocr, 23);
    expect(received.map((m) => JSON.parse(m.Body as string).item_id).sort()).toEqual(
      messages.map((m) => m.item_id).sort(),
    );
    expect(received[0]?.MessageAttributes?.traceparent?.StringValue).toBe(traceparent);
    const audit = await drain(stack, stack.resources.queueUrls.audit, 1);
    expect(JSON.parse(audit[0]?.Body as string)).toMatchObject({ action: 'job.created', tenant: 'acme' });
  });

  it('sends nothing for a transaction that rolled back', async () => {
    await expect(
      t.db.transaction(async (tx) => {
        await enqueueOcrMessages(tx, [ocrMessage(stack.names.bucket)]);
        throw new Error('request failed midway');
      }),
    ).rejects.toThrow('midway');
    expect(await OutboxMessage.count()).toBe(0);
    expect(await relayWith().relayOnce()).toBe(0);
  });

  it('keeps messages while SQS is down and delivers them once it is back', async () => {
    // Prepare: a relay whose SQS endpoint is a stand-in that is not running yet.
    const down = await startFauxqs();
    const downClients = createAwsClients({
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      endpoints: { sqs: down.endpoint },
    });
    await down.stop();
    const message = ocrMessage(stack.names.bucket);
    await t.db.transaction((tx) => enqueueOcrMessages(tx, [message]));

    // Act: the send fails; the row stays with a backoff and the error recorded.
    expect(await relayWith(downClients.sqs).relayOnce()).toBe(0);
    const row = await OutboxMessage.findOne();
    expect(row?.attempts).toBe(1);
    expect(row?.last_error).toBeTruthy();
    expect(row!.available_at.getTime()).toBeGreaterThan(Date.now());
    expect(row?.claimed_by).toBeNull();
    downClients.destroy();

    // Act: SQS is back (a working relay) and the backoff has passed.
    await OutboxMessage.update({ available_at: new Date(0) }, { where: {} });
    expect(await relayWith().relayOnce()).toBe(1);

    // Assess
    const received = await drain(stack, stack.resources.queueUrls.ocr, 1);
    expect(received.map((m) => JSON.parse(m.Body as string).item_id)).toEqual([message.item_id]);
  });

  it('lets concurrent relays send each message exactly once', async () => {
    // Prepare
    const messages = Array.from({ length: 60 }, () => ocrMessage(stack.names.bucket));
    await t.db.transaction((tx) => enqueueOcrMessages(tx, messages));

    // Act: three relays at once, as three API tasks would.
    const relays = [1, 2, 3].map(() => relayWith(stack.clients.sqs, { batchSize: 10 }));
    let total = 0;
    for (let round = 0; round < 10 && total < 60; round++) {
      const counts = await Promise.all(relays.map((r) => r.relayOnce()));
      total += counts.reduce((a, b) => a + b, 0);
    }

    // Assess
    expect(total).toBe(60);
    const received = await drain(stack, stack.resources.queueUrls.ocr, 60);
    const ids = received.map((m) => JSON.parse(m.Body as string).item_id);
    expect(new Set(ids).size).toBe(60);
    expect(ids).toHaveLength(60);
  });

  it('holds no transaction while SendMessageBatch waits: another writer commits meanwhile', async () => {
    // Prepare: one committed row, and a relay whose SQS requests stall.
    const first = ocrMessage(stack.names.bucket);
    await t.db.transaction((tx) => enqueueOcrMessages(tx, [first]));
    const stalled = stalledSqs(stack);
    const round = relayWith(stalled.sqs).relayOnce();
    await stalled.arrived;

    // Act: while the send hangs, a writer changes the very row being sent and adds another, then
    // commits. Had the relay kept its claim transaction open, this would wait for its locks (MySQL:
    // the row lock, given up after 2 s here; SQLite: the database write lock) and fail.
    const writer = t.db.transaction(async (tx) => {
      if (dialect === 'mysql')
        await t.db.query('SET SESSION innodb_lock_wait_timeout = 2', { transaction: tx });
      await OutboxMessage.update({ last_error: 'touched by another writer' }, { where: {}, transaction: tx });
      await enqueueOcrMessages(tx, [ocrMessage(stack.names.bucket)]);
    });
    // Let the stalled round go if the writer fails, so a failure is reported instead of hanging.
    await writer.catch((error: unknown) => {
      stalled.release(new Error('writer failed'));
      throw error;
    });
    const claimed = (await OutboxMessage.findAll()).filter((r) => r.claimed_by !== null);

    // Assess: the writer got through while the send was still pending; then the round completes.
    expect(claimed).toHaveLength(1);
    expect(claimed[0]?.claimed_until?.getTime()).toBeGreaterThan(Date.now());
    stalled.release();
    expect(await round).toBe(1);
    expect(await OutboxMessage.count()).toBe(1);
    expect(await relayWith().relayOnce()).toBe(1);
    const received = await drain(stack, stack.resources.queueUrls.ocr, 2);
    expect(received.map((m) => JSON.parse(m.Body as string).item_id)).toContain(first.item_id);
    stalled.destroy();
  });

  it('sends the rows of a relay that hung mid-send once its lease has run out, and only then', async () => {
    // Prepare: relay A claims the rows with a short lease, then hangs in SendMessageBatch.
    const messages = Array.from({ length: 3 }, () => ocrMessage(stack.names.bucket));
    await t.db.transaction((tx) => enqueueOcrMessages(tx, messages));
    const stalled = stalledSqs(stack);
    const hung = relayWith(stalled.sqs, { leaseMs: 1500 }).relayOnce();
    await stalled.arrived;
    const other = relayWith();

    // Act: relay B finds nothing while the lease holds...
    const whileLeased = await other.relayOnce();
    // ...and takes the rows over once it has run out.
    let takenOver = 0;
    for (let i = 0; i < 100 && takenOver === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      takenOver = await other.relayOnce();
    }

    // Assess
    expect(whileLeased).toBe(0);
    expect(takenOver).toBe(3);
    expect(await OutboxMessage.count()).toBe(0);
    const received = await drain(stack, stack.resources.queueUrls.ocr, 3);
    expect(received.map((m) => JSON.parse(m.Body as string).item_id).sort()).toEqual(
      messages.map((m) => m.item_id).sort(),
    );
    // When A wakes up and fails, it reschedules nothing: the rows are no longer its own.
    stalled.release(new Error('connection reset'));
    expect(await hung).toBe(0);
    expect(await OutboxMessage.count()).toBe(0);
    stalled.destroy();
  });

  it('relays only the destinations it owns', async () => {
    // Prepare: an OCR message and an audit event; a relay that owns only audit (as the worker's does).
    const message = ocrMessage(stack.names.bucket);
    await t.db.transaction(async (tx) => {
      await enqueueOcrMessages(tx, [message]);
      await recordAuditEvents(tx, [
        { action: 'job.created', actor: 'api_key:1', tenant: 'acme', details: {} },
      ]);
    });
    const auditOnly = new OutboxRelay({
      db: t.db,
      sqs: stack.clients.sqs,
      queueUrls: { audit: stack.resources.queueUrls.audit },
      logger,
      ...defaultOutboxRelayTuning(),
    });

    // Act
    const sentByAuditRelay = await auditOnly.relayOnce();

    // Assess: the OCR row stays, unclaimed, for the relay that owns OCR.
    expect(sentByAuditRelay).toBe(1);
    const left = await OutboxMessage.findAll();
    expect(left.map((r) => [r.destination, r.claimed_by, r.attempts])).toEqual([['ocr', null, 0]]);
    expect(await drain(stack, stack.resources.queueUrls.audit, 1)).toHaveLength(1);
    expect(await relayWith().relayOnce()).toBe(1);
    const ocr = await drain(stack, stack.resources.queueUrls.ocr, 1);
    expect(ocr.map((m) => JSON.parse(m.Body as string).item_id)).toEqual([message.item_id]);
  });

  if (dialect === 'mysql') {
    it('claims rows with FOR UPDATE SKIP LOCKED in the SQL it really sends', async () => {
      const statements: string[] = [];
      const relay = relayWith();
      const original = t.db.options.logging;
      t.db.options.logging = (sql: string) => statements.push(sql);
      try {
        await relay.relayOnce();
      } finally {
        t.db.options.logging = original;
      }
      expect(statements.some((s) => /SELECT id FROM outbox .* FOR UPDATE SKIP LOCKED/.test(s))).toBe(true);
    });
  }
});
