import type { BatchWriteCommandInput, BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { AwsClients } from '@ocr-jobs/runtime';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import type { AuditConsumer } from '../src/audit-consumer';
import { waitFor } from '@ocr-jobs/testing';
import {
  allRecords,
  auditEvent,
  capturingLogger,
  clientsFor,
  logged,
  messagesIn,
  sendBodies,
  startAuditLogger,
} from './support';

type PutRequests = NonNullable<BatchWriteCommandInput['RequestItems']>[string];

/**
 * dynalite never answers with UnprocessedItems (real DynamoDB does when a partition is throttled), so
 * this fault is simulated: a middleware on the test's own DynamoDB client takes the requests `withhold`
 * picks out of the BatchWriteItem call, sends the rest to dynalite, and hands the withheld ones back
 * as UnprocessedItems, exactly as DynamoDB would.
 */
function withholdFromBatchWrites(
  clients: AwsClients,
  withhold: (requests: PutRequests, call: number) => PutRequests,
) {
  let calls = 0;
  clients.dynamodb.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as BatchWriteCommandInput;
      if (!input.RequestItems) return next(args);
      const [table, requests] = Object.entries(input.RequestItems)[0]!;
      const held = withhold(requests, ++calls);
      const sent = requests.filter((r) => !held.includes(r));
      // DynamoDB refuses an empty request; with nothing to send, answer as it would have.
      const result =
        sent.length > 0
          ? await next({ ...args, input: { ...input, RequestItems: { [table]: sent } } })
          : { output: { $metadata: {} } as BatchWriteCommandOutput, response: {} };
      if (held.length > 0) (result.output as BatchWriteCommandOutput).UnprocessedItems = { [table]: held };
      return result;
    },
    { step: 'initialize', name: 'withholdFromBatchWrites' },
  );
  return () => calls;
}

describe('UnprocessedItems', () => {
  let stack: TestStack;
  let clients: AwsClients;
  let consumer: AuditConsumer | undefined;

  beforeEach(async () => {
    stack = await startTestStack();
    clients = clientsFor(stack);
  });
  afterEach(async () => {
    await consumer?.stop(5_000);
    consumer = undefined;
    clients.destroy();
    await stack.stop();
  });

  it('retries unprocessed items with backoff until all are written', async () => {
    // Prepare: the first two calls leave half of their items unprocessed.
    const { logger, entries } = capturingLogger();
    const calls = withholdFromBatchWrites(clients, (requests, call) =>
      call <= 2 ? requests.slice(0, Math.ceil(requests.length / 2)) : [],
    );
    const events = Array.from({ length: 6 }, () => auditEvent());
    await sendBodies(
      stack.clients.sqs,
      stack.resources.queueUrls.audit,
      events.map((e) => JSON.stringify(e)),
    );

    // Act
    consumer = startAuditLogger(stack, logger, { clients, writeBackoffMs: 10, writeBackoffMaxMs: 50 });

    // Assess: every event is stored once and every message deleted, after three calls.
    await waitFor(
      'the queue drained',
      async () => (await messagesIn(stack.clients.sqs, stack.resources.queueUrls.audit)) === 0,
    );
    expect((await allRecords(stack)).map((r) => r.event_id).sort()).toEqual(
      events.map((e) => e.event_id).sort(),
    );
    expect(calls()).toBe(3);
    expect(logged(entries, 'retrying unprocessed audit records').map((e) => e.attempt)).toEqual([2, 3]);
  });

  it('leaves an item that stays unprocessed on the queue, and deletes the rest', async () => {
    // Prepare: one event is never accepted.
    const { logger, entries } = capturingLogger();
    const stuck = auditEvent();
    const others = [auditEvent(), auditEvent()];
    withholdFromBatchWrites(clients, (requests) =>
      requests.filter((r) => r.PutRequest?.Item?.event_id === stuck.event_id),
    );
    await sendBodies(
      stack.clients.sqs,
      stack.resources.queueUrls.audit,
      [stuck, ...others].map((e) => JSON.stringify(e)),
    );

    // Act
    consumer = startAuditLogger(stack, logger, { clients, writeMaxAttempts: 3, writeBackoffMs: 10 });
    await waitFor(
      'the stuck event given up',
      () => logged(entries, 'audit event not written; it will be delivered again').length > 0,
    );
    await consumer.stop(5_000);

    // Assess: the others are stored and deleted; the stuck one is only on the queue.
    expect((await allRecords(stack)).map((r) => r.event_id).sort()).toEqual(
      others.map((e) => e.event_id).sort(),
    );
    expect(await messagesIn(stack.clients.sqs, stack.resources.queueUrls.audit)).toBe(1);
    expect(logged(entries, 'audit event not written; it will be delivered again')[0]).toMatchObject({
      event_id: stuck.event_id,
      reason: 'unprocessed',
    });
  });
});
