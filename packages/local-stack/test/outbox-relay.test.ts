import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { enqueueOcrMessages, OutboxMessage, OutboxRelay, recordAuditEvents } from '@ocr-jobs/db';
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

  const relayWith = (sqs = stack.clients.sqs) =>
    new OutboxRelay({
      db: t.db,
      sqs,
      queueUrls: stack.resources.queueUrls,
      logger,
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
    const relays = [relayWith(), relayWith(), relayWith()].map((r) => {
      (r as unknown as { batchSize: number }).batchSize = 10;
      return r;
    });
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

  if (dialect === 'mysql') {
    it('claims rows with FOR UPDATE SKIP LOCKED in the SQL it really sends', async () => {
      const statements: string[] = [];
      const relay = new OutboxRelay({
        db: t.db,
        sqs: stack.clients.sqs,
        queueUrls: stack.resources.queueUrls,
        logger,
      });
      const original = t.db.options.logging;
      t.db.options.logging = (sql: string) => statements.push(sql);
      try {
        await relay.relayOnce();
      } finally {
        t.db.options.logging = original;
      }
      expect(statements.some((s) => /SELECT \* FROM outbox .* FOR UPDATE SKIP LOCKED/.test(s))).toBe(true);
    });
  }
});
