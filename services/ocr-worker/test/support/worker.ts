import type { TestStack } from '@ocr-jobs/local-stack';
import type { TestDatabase } from '@ocr-jobs/testing';
import { configSchema } from '../../src/config';
import { createOcrWorker, type OcrWorker } from '../../src/ocr-worker';
import { testLogger } from './logger';

/** Settings as the worker would parse them from its environment, with short waits for tests. */
export function testEnv(stack: TestStack, database: TestDatabase, overrides: Record<string, string> = {}) {
  return {
    ...stack.env,
    DATABASE_URL: database.url,
    OCR_CONCURRENCY: '2',
    OCR_WAIT_TIME_S: '1',
    OCR_RETRY_DELAY_S: '0',
    EXPIRY_SWEEP_INTERVAL_MS: '3600000',
    RECOVERY_INTERVAL_MS: '3600000',
    ...overrides,
  };
}

/** The worker in this process (sharing the test's database connection), EMF lines captured. */
export function startWorker(
  stack: TestStack,
  database: TestDatabase,
  overrides: Record<string, string> = {},
): OcrWorker & { metrics: Array<Record<string, unknown>> } {
  const metrics: Array<Record<string, unknown>> = [];
  const worker = createOcrWorker({
    settings: configSchema.parse(testEnv(stack, database, overrides)),
    db: database.db,
    clients: stack.serviceClients,
    queueUrls: {
      ocr: stack.resources.queueUrls.ocr,
      audit: stack.resources.queueUrls.audit,
      webhook: stack.resources.queueUrls.webhook,
    },
    logger: testLogger(),
    writeMetric: (line) => metrics.push(JSON.parse(line) as Record<string, unknown>),
  });
  worker.start();
  return Object.assign(worker, { metrics });
}
