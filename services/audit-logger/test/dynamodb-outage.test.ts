import { resourceDefinition } from '@ocr-jobs/contracts';
import {
  provisionResources,
  startDynalite,
  startTestStack,
  type Emulator,
  type TestStack,
} from '@ocr-jobs/local-stack';
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

describe('DynamoDB outage', () => {
  let stack: TestStack;
  let restarted: Emulator | undefined;
  let consumer: AuditConsumer | undefined;

  beforeAll(async () => {
    stack = await startTestStack();
    await setVisibilityTimeout(stack.clients.sqs, stack.resources.queueUrls.audit, 1);
  });
  afterAll(async () => {
    await consumer?.stop(5_000);
    await restarted?.stop();
    await stack.stop();
  });

  it('delays events while DynamoDB is down and writes every one of them once it is back', async () => {
    // Prepare: a running logger, then DynamoDB goes away.
    const { logger, entries } = capturingLogger();
    const queue = stack.resources.queueUrls.audit;
    consumer = startAuditLogger(stack, logger, { outageBackoffMs: 100, outageBackoffMaxMs: 400 });
    await stack.dynalite.stop();

    // Act: events arrive during the outage; the outage outlasts maxReceiveCount visibility timeouts.
    const events = Array.from({ length: 12 }, () => auditEvent());
    await sendBodies(
      stack.clients.sqs,
      queue,
      events.map((e) => JSON.stringify(e)),
    );
    await waitFor(
      'the outage noticed',
      () => logged(entries, 'DynamoDB unavailable; pausing consumption until it answers').length,
    );
    const outlastsRedrive = (resourceDefinition.queues.audit.maxReceiveCount + 1) * 1_000;
    await waitFor(
      'an outage longer than maxReceiveCount visibility timeouts',
      () => logged(entries, 'DynamoDB still unavailable').some((e) => Number(e.outage_ms) > outlastsRedrive),
      { timeoutMs: 45_000 },
    );
    expect(await messagesIn(stack.clients.sqs, queue)).toBe(events.length);
    // A dynalite on the same port, in memory, and the table created again by the provisioning (which
    // insists on the queue's defined visibility timeout: every message is due again by now anyway).
    restarted = await startDynalite({ port: stack.dynalite.port });
    await setVisibilityTimeout(
      stack.clients.sqs,
      queue,
      resourceDefinition.queues.audit.visibilityTimeoutSeconds,
    );
    await provisionResources(stack.clients, stack.names);

    // Assess: every event stored once, nothing left on the queue and nothing dead-lettered.
    await waitFor('the queue drained', async () => (await messagesIn(stack.clients.sqs, queue)) === 0, {
      timeoutMs: 45_000,
    });
    expect((await allRecords(stack)).map((r) => r.event_id).sort()).toEqual(
      events.map((e) => e.event_id).sort(),
    );
    expect(await messagesIn(stack.clients.sqs, stack.resources.queueUrls.auditDeadLetter)).toBe(0);
    expect(logged(entries, 'DynamoDB reachable again; resuming consumption')).toHaveLength(1);
  });
});
