import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { auditRecord } from '@ocr-jobs/audit-store';
import { auditEventSchema } from '@ocr-jobs/contracts';
import { createApiKey, defaultOutboxRelayTuning, OutboxRelay, type Dialect } from '@ocr-jobs/db';
import { createLogger, type Logger } from '@ocr-jobs/runtime';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import { createTestDatabase, type TestDatabase } from '@ocr-jobs/testing';
import { afterAll, beforeAll } from '@jest/globals';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import type { AppSettings } from '../../src/config';

export interface Harness {
  stack: TestStack;
  database: TestDatabase;
  settings: AppSettings;
  relay: OutboxRelay;
  logger: Logger;
  server: http.Server;
  baseUrl: string;
  /** supertest against the running server. */
  api: () => supertest.Agent;
  /** API keys of two tenants, for isolation tests. */
  keys: { a: string; b: string };
  stop(): Promise<void>;
}

export const MiB = 1024 * 1024;

/** A suite's harness, with supertest agents already holding tenant A's or B's key. */
export interface SuiteHarness extends Harness {
  asA(): supertest.Agent;
  asB(): supertest.Agent;
}

/**
 * Starts a harness before the suite's tests (beforeAll) and stops it after them (afterAll). Its
 * members are read when a test runs, so the suite can hold it in a const at describe time.
 */
export function harnessForSuite(dialect: Dialect, overrides: Partial<AppSettings> = {}): SuiteHarness {
  let started: Harness | undefined;
  beforeAll(async () => {
    started = await startHarness(dialect, overrides);
  }, 120_000);
  afterAll(async () => {
    await started?.stop();
  });
  const h = () => {
    if (!started) throw new Error('the harness starts in beforeAll: use it inside a test or hook');
    return started;
  };
  const agentOf = (key: 'a' | 'b') => h().api().set('x-api-key', h().keys[key]) as unknown as supertest.Agent;
  return {
    get stack() {
      return h().stack;
    },
    get database() {
      return h().database;
    },
    get settings() {
      return h().settings;
    },
    get relay() {
      return h().relay;
    },
    get logger() {
      return h().logger;
    },
    get server() {
      return h().server;
    },
    get baseUrl() {
      return h().baseUrl;
    },
    get keys() {
      return h().keys;
    },
    api: () => h().api(),
    stop: () => h().stop(),
    asA: () => agentOf('a'),
    asB: () => agentOf('b'),
  };
}

/** The real app on a real port, against fresh stand-ins and a fresh database of `dialect`. */
export async function startHarness(dialect: Dialect, overrides: Partial<AppSettings> = {}): Promise<Harness> {
  const [stack, database] = await Promise.all([startTestStack(), createTestDatabase(dialect)]);
  const logger = createLogger('jobs-api-test', process.env.TEST_LOG_LEVEL ?? 'error');
  logger.silent = !process.env.TEST_LOG_LEVEL;
  const settings: AppSettings = {
    S3_BUCKET: stack.names.bucket,
    AUDIT_TABLE_NAME: stack.names.auditTable,
    MAX_FILES: 5,
    MAX_FILE_BYTES: 4 * MiB,
    MAX_TOTAL_BYTES: 8 * MiB,
    MAX_IMAGE_PIXELS: 1_000_000,
    CORS_ORIGINS: ['https://app.example.com'],
    UPLOAD_CONCURRENCY: 4,
    UPLOAD_URL_TTL_SECONDS: 900,
    PAGE_LIMIT_MAX: 100,
    IDEMPOTENCY_TTL_HOURS: 24,
    WEBHOOK_ALLOW_HTTP: true,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: true,
    STREAM_POLL_MS: 200,
    STREAM_HEARTBEAT_MS: 15_000,
    JOB_PDF_MAX_BYTES: 100 * MiB,
    // As infra passes them: the API needs no models to know what the workers read.
    OCR_LANGUAGES: ['eng', 'por', 'spa'],
    OCR_DEFAULT_LANGUAGES: 'eng',
    OCR_MODEL: 'best',
    OCR_TESSDATA_DIR: '/usr/share/tesseract-ocr/5/tessdata',
    ...overrides,
  };
  const relay = new OutboxRelay({
    db: database.db,
    sqs: stack.serviceClients.sqs,
    // The API relays ocr, audit and webhook rows (webhook rows also come from the worker's side).
    queueUrls: stack.resources.queueUrls,
    logger,
    ...defaultOutboxRelayTuning(),
    intervalMs: 200,
    backoff: { baseMs: 100, maxMs: 500 },
  });
  relay.start();
  const app = createApp({
    logger,
    db: database.db,
    clients: stack.serviceClients,
    settings,
    queueUrls: [stack.resources.queueUrls.ocr, stack.resources.queueUrls.audit],
    nudgeOutbox: () => relay.nudge(),
  });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const a = await createApiKey({ tenant: 'tenant-a', name: 'test a' });
  const b = await createApiKey({ tenant: 'tenant-b', name: 'test b' });
  return {
    stack,
    database,
    settings,
    relay,
    logger,
    server,
    baseUrl,
    api: () => supertest.agent(server),
    keys: { a: a.key, b: b.key },
    async stop() {
      await relay.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await Promise.all([stack.stop(), database.drop()]);
    },
  };
}

/** Receives until the queue has been empty for one short poll; deletes what it received. */
export async function drainQueue(
  stack: TestStack,
  queueUrl: string,
  idleWaitSeconds = 1,
): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { Messages = [] } = await stack.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: idleWaitSeconds,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return all;
    all.push(...Messages);
    await stack.clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

/** Waits until `count` messages have arrived (or the timeout passes) and returns them. */
export async function collectMessages(
  stack: TestStack,
  queueUrl: string,
  count: number,
  timeoutMs = 20_000,
): Promise<Message[]> {
  const all: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (all.length < count && Date.now() < deadline) all.push(...(await drainQueue(stack, queueUrl, 1)));
  return all;
}

/**
 * What audit-logger does, done by the test: events from the audit queue into the audit table, so the
 * events endpoints read what the API really emitted.
 */
export async function storeAuditEvents(stack: TestStack): Promise<number> {
  const messages = await drainQueue(stack, stack.resources.queueUrls.audit, 1);
  for (const m of messages) {
    const event = auditEventSchema.parse(JSON.parse(m.Body ?? '{}'));
    await stack.clients.dynamodbDocument.send(
      new PutCommand({ TableName: stack.names.auditTable, Item: auditRecord(event, 30) }),
    );
  }
  return messages.length;
}

/** Polls `check` until it returns a value other than undefined. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
