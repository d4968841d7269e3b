import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import type { AuditConsumer } from '../src/audit-consumer';
import { AuditWriter } from '../src/audit-writer';
import { createBatchHandler } from '../src/batch-handler';
import { DynamoDbAvailability } from '../src/dynamodb-availability';
import { waitFor } from '@ocr-jobs/testing';
import {
  allRecords,
  auditEvent,
  capturingLogger,
  logged,
  messagesIn,
  sendBodies,
  setVisibilityTimeout,
  startAuditLogger,
  defaultSettings,
} from './support';

describe('duplicates', () => {
  let stack: TestStack;
  let consumer: AuditConsumer | undefined;
  const queue = () => stack.resources.queueUrls.audit;

  beforeEach(async () => {
    stack = await startTestStack();
    await setVisibilityTimeout(stack.clients.sqs, queue(), 1);
  });
  afterEach(async () => {
    await consumer?.stop(5_000);
    consumer = undefined;
    await stack.stop();
  });

  it('writes an event sent twice in one batch, and again later, once', async () => {
    // Prepare: the same event twice in one batch (BatchWriteItem would reject the duplicate key).
    const { logger, entries } = capturingLogger();
    const event = auditEvent();
    const other = auditEvent();
    await sendBodies(stack.clients.sqs, queue(), [
      JSON.stringify(event),
      JSON.stringify(other),
      JSON.stringify(event),
    ]);

    // Act
    consumer = startAuditLogger(stack, logger);
    await waitFor(
      'the first batch handled',
      async () => (await messagesIn(stack.clients.sqs, queue())) === 0,
    );
    await sendBodies(stack.clients.sqs, queue(), [JSON.stringify(event)]);
    await waitFor('the later copy handled', () => logged(entries, 'audit event written').length === 3);

    // Assess: one record per event, every message deleted.
    const records = await allRecords(stack);
    expect(records.map((r) => r.event_id).sort()).toEqual([event.event_id, other.event_id].sort());
    expect(await messagesIn(stack.clients.sqs, queue())).toBe(0);
    expect(logged(entries, 'duplicate audit event in batch; written once')).toHaveLength(1);
  });

  it('writes a redelivered event once: stored, not deleted (the logger died), delivered again', async () => {
    // Prepare: a logger writes the event and dies before deleting its message.
    const { logger, entries } = capturingLogger();
    const event = auditEvent({ action: 'item.done', item_id: auditEvent().event_id, details: { pages: 2 } });
    await sendBodies(stack.clients.sqs, queue(), [JSON.stringify(event)]);
    const { Messages = [] } = await stack.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue(),
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 5,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const defaults = defaultSettings(stack);
    const handle = createBatchHandler({
      writer: new AuditWriter({
        doc: stack.clients.dynamodbDocument,
        table: stack.names.auditTable,
        logger,
        maxAttempts: defaults.writeMaxAttempts,
        backoff: { baseMs: defaults.writeBackoffMs, maxMs: defaults.writeBackoffMaxMs },
      }),
      availability: new DynamoDbAvailability({
        dynamodb: stack.clients.dynamodb,
        table: stack.names.auditTable,
        logger,
        probeBackoff: { baseMs: defaults.outageBackoffMs, maxMs: defaults.outageBackoffMaxMs },
      }),
      logger,
      retentionDays: 365,
      maxReceiveCount: 5,
    });
    expect(await handle(Messages)).toHaveLength(1);
    const [first] = await allRecords(stack);

    // Act: the next logger receives the message again after the visibility timeout.
    consumer = startAuditLogger(stack, logger);
    await waitFor('the queue drained', async () => (await messagesIn(stack.clients.sqs, queue())) === 0);

    // Assess
    const written = logged(entries, 'audit event written');
    expect(written.map((e) => e.receive_count)).toEqual([1, 2]);
    expect(await allRecords(stack)).toEqual([first]);
  });
});
