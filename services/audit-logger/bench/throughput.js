// Throughput of the audit-logger against fauxqs + dynalite: N events on the queue, time until every
// record is stored and every message deleted. Batches of 10 (the service's setting) against a
// baseline of batches of 1 (one receive, one write, one delete per event). Run: npm run bench
// (turbo builds dist/ first). Figures only; nothing here passes or fails.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { randomUUID } = require('node:crypto');
const { setTimeout: sleep } = require('node:timers/promises');
const { GetQueueAttributesCommand, SendMessageBatchCommand } = require('@aws-sdk/client-sqs');
const { DescribeTableCommand } = require('@aws-sdk/client-dynamodb');
const { ScanCommand } = require('@aws-sdk/lib-dynamodb');
const { createLogger } = require('@ocr-jobs/runtime');
const { startTestStack } = require('@ocr-jobs/local-stack');
const { auditLoggerSettings, createAuditConsumer } = require('../dist/create-audit-consumer');
const { configSchema } = require('../dist/config');

const EVENTS = Number(process.env.BENCH_EVENTS ?? 500);

async function countRecords(stack) {
  let count = 0;
  let start;
  do {
    const page = await stack.clients.dynamodbDocument.send(
      new ScanCommand({ TableName: stack.names.auditTable, Select: 'COUNT', ExclusiveStartKey: start }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

async function queued(stack) {
  const { Attributes = {} } = await stack.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: stack.resources.queueUrls.audit,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)
  );
}

async function run(batchSize) {
  const stack = await startTestStack();
  try {
    await stack.clients.dynamodb.send(new DescribeTableCommand({ TableName: stack.names.auditTable }));
    for (let i = 0; i < EVENTS; i += 10) {
      const entries = Array.from({ length: Math.min(10, EVENTS - i) }, (_, j) => ({
        Id: String(j),
        MessageBody: JSON.stringify({
          event_id: randomUUID(),
          at: new Date().toISOString(),
          action: 'item.done',
          actor: 'worker',
          tenant: 'bench',
          job_id: randomUUID(),
          item_id: randomUUID(),
          details: { duration_ms: 800, confidence: 90, pages: 1 },
        }),
      }));
      await stack.clients.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: stack.resources.queueUrls.audit, Entries: entries }),
      );
    }
    // The service's own settings and defaults, only the table and the batch size set here.
    const config = configSchema.parse({
      ...process.env,
      AUDIT_TABLE_NAME: stack.names.auditTable,
      AUDIT_BATCH_SIZE: String(batchSize),
    });
    const consumer = createAuditConsumer(
      stack.clients,
      auditLoggerSettings(config, stack.resources.queueUrls.audit),
      createLogger('audit-logger', process.env.BENCH_LOG_LEVEL ?? 'error'),
    );
    const started = process.hrtime.bigint();
    consumer.start();
    while ((await queued(stack)) > 0) await sleep(20);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await consumer.stop(5_000);
    const stored = await countRecords(stack);
    if (stored !== EVENTS) throw new Error(`expected ${EVENTS} records, found ${stored}`);
    return seconds;
  } finally {
    await stack.stop();
  }
}

async function main() {
  const baseline = await run(1);
  const batched = await run(10);
  const rate = (s) => `${(EVENTS / s).toFixed(0)} events/s`;
  console.log(`audit-logger throughput, ${EVENTS} events, fauxqs + dynalite on this machine`);
  console.log(`  baseline, batches of 1:  ${baseline.toFixed(2)} s  ${rate(baseline)}`);
  console.log(`  batches of 10:           ${batched.toFixed(2)} s  ${rate(batched)}`);
  console.log(`  ratio to baseline:       ${(baseline / batched).toFixed(2)}x`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
