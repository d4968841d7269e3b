import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { resourceDefinition } from '@ocr-jobs/contracts';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import type { AuditConsumer } from '../src/audit-consumer';
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
} from './support';

describe('partial batch failure', () => {
  let stack: TestStack;
  let consumer: AuditConsumer | undefined;

  beforeAll(async () => {
    stack = await startTestStack();
    // Redeliveries of the malformed message come every second instead of every minute.
    await setVisibilityTimeout(stack.clients.sqs, stack.resources.queueUrls.audit, 1);
  });
  afterAll(async () => {
    await consumer?.stop(5_000);
    await stack.stop();
  });

  it('writes and deletes the valid events of a batch, and the malformed one ends in the DLQ', async () => {
    // Prepare: one batch of four valid events and one that is not an audit event.
    const { logger, entries } = capturingLogger();
    const valid = [1, 2, 3, 4].map(() => auditEvent());
    const malformed = JSON.stringify({ event_id: 'not-a-uuid', action: 'job.exploded' });
    await sendBodies(stack.clients.sqs, stack.resources.queueUrls.audit, [
      ...valid.slice(0, 2).map((e) => JSON.stringify(e)),
      malformed,
      ...valid.slice(2).map((e) => JSON.stringify(e)),
    ]);

    // Act
    consumer = startAuditLogger(stack, logger);

    // Assess: the valid events are stored once each and the malformed message reaches the DLQ.
    const dlq = stack.resources.queueUrls.auditDeadLetter;
    await waitFor('the malformed message in the DLQ', () => messagesIn(stack.clients.sqs, dlq), {
      timeoutMs: 45_000,
    });
    const records = await allRecords(stack);
    expect(records.map((r) => r.event_id).sort()).toEqual(valid.map((e) => e.event_id).sort());
    expect(await messagesIn(stack.clients.sqs, stack.resources.queueUrls.audit)).toBe(0);

    const { Messages = [] } = await stack.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((m) => m.Body)).toEqual([malformed]);

    const complaints = logged(
      entries,
      'malformed audit event; left on the queue, SQS dead-letters it at maxReceiveCount',
    );
    const max = resourceDefinition.queues.audit.maxReceiveCount;
    expect(complaints.map((c) => c.receive_count)).toEqual(Array.from({ length: max }, (_, i) => i + 1));
    expect(complaints.at(-1)).toMatchObject({ goes_to_dlq_next: true, max_receive_count: max });
    expect(String(complaints[0]!.problem)).toMatch(/event_id/);
  });

  it('writes the rest of a batch when DynamoDB refuses one record (over 400 KB), which ends in the DLQ', async () => {
    // Prepare: a valid event too large for a DynamoDB item (SQS takes up to 1 MiB), between two others.
    await consumer?.stop(5_000);
    const { logger, entries } = capturingLogger();
    const dlq = stack.resources.queueUrls.auditDeadLetter;
    const dlqBefore = await messagesIn(stack.clients.sqs, dlq);
    const recordsBefore = (await allRecords(stack)).length;
    const huge = auditEvent({ details: { text: 'x'.repeat(450_000) } });
    const others = [auditEvent(), auditEvent()];
    await sendBodies(
      stack.clients.sqs,
      stack.resources.queueUrls.audit,
      [others[0], huge, others[1]].map((e) => JSON.stringify(e)),
    );

    // Act
    consumer = startAuditLogger(stack, logger);

    // Assess
    await waitFor(
      'the refused event in the DLQ',
      async () => (await messagesIn(stack.clients.sqs, dlq)) > dlqBefore,
      { timeoutMs: 45_000 },
    );
    const ids = (await allRecords(stack)).map((r) => r.event_id);
    expect(ids).toHaveLength(recordsBefore + 2);
    expect(ids).toEqual(expect.arrayContaining(others.map((e) => e.event_id)));
    expect(ids).not.toContain(huge.event_id);
    const refused = logged(entries, 'audit event not written; it will be delivered again');
    expect(refused.every((e) => e.event_id === huge.event_id && e.reason === 'rejected')).toBe(true);
  });
});
