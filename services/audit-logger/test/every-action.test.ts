import { randomUUID } from 'node:crypto';
import { queryJobEvents } from '@ocr-jobs/audit-store';
import { AUDIT_ACTIONS, type AuditAction, type AuditEventInput } from '@ocr-jobs/contracts';
import { defaultOutboxRelayTuning, OutboxMessage, OutboxRelay, recordAuditEvents } from '@ocr-jobs/db';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import { createTestDatabase, testDialects, type TestDatabase, waitFor } from '@ocr-jobs/testing';
import type { AuditConsumer } from '../src/audit-consumer';
import { allRecords, capturingLogger, messagesIn, startAuditLogger } from './support';

const RETENTION_DAYS = 30;

/** What each producer records for its action: who, what, and the ids a person needs. */
function eventFor(action: AuditAction, jobId: string, itemId: string, at: string): AuditEventInput {
  const ids = { event_id: randomUUID(), at };
  const job = { ...ids, tenant: 'acme', job_id: jobId };
  switch (action) {
    case 'job.created':
      return { ...job, action, actor: 'api_key:k1', details: { items: 2, bytes: 2048 } };
    case 'job.renamed':
      return { ...job, action, actor: 'api_key:k1', details: { old_name: 'a', new_name: 'b' } };
    case 'job.deleted':
      return { ...job, action, actor: 'api_key:k1' };
    case 'job.finished':
      return { ...job, action, actor: 'worker', details: { status: 'DONE', done_items: 2, error_items: 0 } };
    case 'job.expired':
      return { ...job, action, actor: 'system', details: { unfinished_items: 1 } };
    case 'item.started':
      return { ...job, item_id: itemId, action, actor: 'worker', details: { attempt: 1 } };
    case 'item.done':
      return {
        ...job,
        item_id: itemId,
        action,
        actor: 'worker',
        details: { duration_ms: 812, confidence: 91.5, pages: 1 },
      };
    case 'item.failed':
      return {
        ...job,
        item_id: itemId,
        action,
        actor: 'worker',
        details: { error: 'unreadable', attempt: 3 },
      };
    case 'job.retried':
      return { ...job, action, actor: 'api_key:k1', details: { items: 2 } };
    case 'item.requeued':
      return { ...job, item_id: itemId, action, actor: 'api_key:k1', details: { run: 1, reason: 'retry' } };
    case 'item.reprocess_requested':
      return {
        ...job,
        item_id: itemId,
        action,
        actor: 'api_key:k1',
        details: { run: 1, previous_status: 'DONE', languages: 'por', pages: '1-2' },
      };
    case 'api_key.created':
    case 'api_key.revoked':
      return { ...ids, tenant: 'acme', action, actor: 'operator', details: { api_key_id: 'k2' } };
    case 'webhook.created':
    case 'webhook.deleted':
    case 'webhook.disabled':
      return { ...ids, tenant: 'acme', action, actor: 'api_key:k1', details: { endpoint_id: 'e1' } };
    case 'auth.refused':
      return {
        ...ids,
        tenant: 'unknown',
        action,
        actor: 'anonymous',
        request_id: 'r1',
        details: { reason: 'bad key' },
      };
  }
}

describe.each(testDialects())('every audit action through the outbox (%s)', (dialect) => {
  let stack: TestStack;
  let database: TestDatabase;
  let relay: OutboxRelay;
  let consumer: AuditConsumer;

  beforeAll(async () => {
    [stack, database] = await Promise.all([startTestStack(), createTestDatabase(dialect)]);
    const { logger } = capturingLogger();
    relay = new OutboxRelay({
      db: database.db,
      sqs: stack.clients.sqs,
      queueUrls: stack.resources.queueUrls,
      logger,
      ...defaultOutboxRelayTuning(),
      intervalMs: 100,
    });
    consumer = startAuditLogger(stack, logger, { retentionDays: RETENTION_DAYS });
  });
  afterAll(async () => {
    await relay?.stop();
    await consumer?.stop(5_000);
    await Promise.all([stack?.stop(), database?.drop()]);
  });

  it('stores each action exactly once, with its TTL, and nothing of a rolled-back transaction', async () => {
    // Prepare: every action recorded in a committed transaction, plus one in a rolled-back one.
    const jobId = randomUUID();
    const itemId = randomUUID();
    const recorded = await database.db.transaction((tx) =>
      recordAuditEvents(
        tx,
        // One millisecond apart, so the job's trail has a defined order.
        AUDIT_ACTIONS.map((action, i) =>
          eventFor(action, jobId, itemId, new Date(Date.now() + i).toISOString()),
        ),
      ),
    );
    await expect(
      database.db.transaction(async (tx) => {
        await recordAuditEvents(tx, [eventFor('job.deleted', jobId, itemId, new Date().toISOString())]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');

    // Act
    relay.start();

    // Assess
    await waitFor(
      'every event in DynamoDB',
      async () => (await allRecords(stack)).length >= AUDIT_ACTIONS.length,
    );
    await waitFor(
      'an empty audit queue',
      async () => (await messagesIn(stack.clients.sqs, stack.resources.queueUrls.audit)) === 0,
    );
    expect(await OutboxMessage.count()).toBe(0);
    const records = await allRecords(stack);
    expect(records.map((r) => r.action).sort()).toEqual([...AUDIT_ACTIONS].sort());
    for (const event of recorded) {
      const record = records.find((r) => r.event_id === event.event_id);
      expect(record).toMatchObject({ ...event, gsi1pk: `TENANT#${event.tenant}` });
      expect(record!.pk).toBe(event.job_id ? `JOB#${event.job_id}` : `TENANT#${event.tenant}`);
      expect(record!.expires_at).toBe(Math.floor(Date.parse(event.at) / 1000) + RETENTION_DAYS * 86_400);
    }
    const trail = await queryJobEvents(stack.clients.dynamodbDocument, stack.names.auditTable, jobId, {
      limit: 50,
    });
    expect(trail.data.map((e) => e.action)).toEqual(
      AUDIT_ACTIONS.filter(
        (a) => !a.startsWith('api_key') && !a.startsWith('webhook') && a !== 'auth.refused',
      ),
    );
  });
});
