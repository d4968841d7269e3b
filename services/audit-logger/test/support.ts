import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '@ocr-jobs/audit-store';
import type { AuditEvent } from '@ocr-jobs/contracts';
import { createAwsClients, createLogger, type AwsClients, type Logger } from '@ocr-jobs/runtime';
import { TEST_CREDENTIALS, TEST_REGION, type TestStack } from '@ocr-jobs/local-stack';
import winston from 'winston';
import {
  auditLoggerSettings,
  createAuditConsumer,
  type AuditLoggerSettings,
} from '../src/create-audit-consumer';
import { configSchema } from '../src/config';
import type { AuditConsumer } from '../src/audit-consumer';

/** A logger whose entries the test can read; printed too when TEST_LOG_LEVEL is set. */
export function capturingLogger(): { logger: Logger; entries: Record<string, unknown>[] } {
  const entries: Record<string, unknown>[] = [];
  const logger = createLogger('audit-logger', 'debug');
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        objectMode: true,
        write(entry: Record<string, unknown>, _encoding, done) {
          entries.push(entry);
          done();
        },
      }),
    }),
  );
  if (process.env.TEST_LOG_LEVEL)
    logger.add(new winston.transports.Console({ level: process.env.TEST_LOG_LEVEL }));
  return { logger, entries };
}

/** Clients of the test's own (e.g. to add a middleware to), pointed at the stack's stand-ins. */
export function clientsFor(stack: TestStack): AwsClients {
  return createAwsClients({
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    s3ForcePathStyle: true,
    endpoints: { s3: stack.fauxqs.endpoint, sqs: stack.fauxqs.endpoint, dynamodb: stack.dynalite.endpoint },
  });
}

/** The settings the config schema gives by default, aimed at the stack's queue and table. */
export function defaultSettings(stack: TestStack): AuditLoggerSettings {
  return {
    ...auditLoggerSettings(configSchema.parse({}), stack.resources.queueUrls.audit),
    table: stack.names.auditTable,
  };
}

export function startAuditLogger(
  stack: TestStack,
  logger: Logger,
  overrides: Partial<AuditLoggerSettings> & { clients?: AwsClients } = {},
): AuditConsumer {
  const { clients = stack.serviceClients, ...settings } = overrides;
  const consumer = createAuditConsumer(
    clients,
    { ...defaultSettings(stack), retentionDays: 365, ...settings },
    logger,
  );
  consumer.start();
  return consumer;
}

export function auditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    event_id: randomUUID(),
    at: new Date().toISOString(),
    action: 'job.created',
    actor: 'api_key:test',
    tenant: 'acme',
    job_id: randomUUID(),
    details: { items: 1, bytes: 10 },
    ...overrides,
  };
}

/** Sends raw bodies to a queue, up to 10 per call. */
export async function sendBodies(sqs: SQSClient, queueUrl: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const result = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: String(i + j), MessageBody: body })),
      }),
    );
    if (result.Failed?.length) throw new Error(`send failed: ${JSON.stringify(result.Failed)}`);
  }
}

export async function allRecords(stack: TestStack): Promise<AuditRecord[]> {
  const items: AuditRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await stack.clients.dynamodbDocument.send(
      new ScanCommand({ TableName: stack.names.auditTable, ExclusiveStartKey: start }),
    );
    items.push(...((page.Items ?? []) as AuditRecord[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Visible plus in-flight messages of a queue. */
export async function messagesIn(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)
  );
}

/** Shortens how long a received, unacknowledged message stays hidden, so redeliveries come quickly. */
export async function setVisibilityTimeout(sqs: SQSClient, queueUrl: string, seconds: number): Promise<void> {
  await sqs.send(
    new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { VisibilityTimeout: String(seconds) } }),
  );
}

export const logged = (entries: Record<string, unknown>[], message: string) =>
  entries.filter((e) => e.message === message);
