import { resourceDefinition } from '@ocr-jobs/contracts';
import type { AwsClients, Logger } from '@ocr-jobs/runtime';
import { AuditConsumer } from './audit-consumer';
import type { Config } from './config';
import { AuditWriter } from './audit-writer';
import { createBatchHandler } from './batch-handler';
import { DynamoDbAvailability } from './dynamodb-availability';

export interface AuditLoggerSettings {
  queueUrl: string;
  table: string;
  retentionDays: number;
  batchSize: number;
  /** Default: the audit queue's receiveWaitSeconds from the resource definition. */
  waitTimeSeconds?: number;
  writeMaxAttempts: number;
  writeBackoffMs: number;
  writeBackoffMaxMs: number;
  outageBackoffMs: number;
  outageBackoffMaxMs: number;
}

/** The settings from the parsed config (which holds every default). */
export function auditLoggerSettings(config: Config, queueUrl: string): AuditLoggerSettings {
  return {
    queueUrl,
    table: config.AUDIT_TABLE_NAME,
    retentionDays: config.AUDIT_RETENTION_DAYS,
    batchSize: config.AUDIT_BATCH_SIZE,
    writeMaxAttempts: config.AUDIT_WRITE_MAX_ATTEMPTS,
    writeBackoffMs: config.AUDIT_WRITE_BACKOFF_MS,
    writeBackoffMaxMs: config.AUDIT_WRITE_BACKOFF_MAX_MS,
    outageBackoffMs: config.AUDIT_OUTAGE_BACKOFF_MS,
    outageBackoffMaxMs: config.AUDIT_OUTAGE_BACKOFF_MAX_MS,
  };
}

/** The audit-logger's consumer, assembled: writer, DynamoDB availability gate, batch handler. */
export function createAuditConsumer(
  clients: Pick<AwsClients, 'sqs' | 'dynamodb' | 'dynamodbDocument'>,
  settings: AuditLoggerSettings,
  logger: Logger,
): AuditConsumer {
  const queue = resourceDefinition.queues.audit;
  const writer = new AuditWriter({
    doc: clients.dynamodbDocument,
    table: settings.table,
    logger,
    maxAttempts: settings.writeMaxAttempts,
    backoff: { baseMs: settings.writeBackoffMs, maxMs: settings.writeBackoffMaxMs },
  });
  const availability = new DynamoDbAvailability({
    dynamodb: clients.dynamodb,
    table: settings.table,
    logger,
    probeBackoff: { baseMs: settings.outageBackoffMs, maxMs: settings.outageBackoffMaxMs },
  });
  const handler = createBatchHandler({
    writer,
    availability,
    logger,
    retentionDays: settings.retentionDays,
    maxReceiveCount: queue.maxReceiveCount,
  });
  return new AuditConsumer({
    sqs: clients.sqs,
    queueUrl: settings.queueUrl,
    handler,
    availability,
    logger,
    batchSize: settings.batchSize,
    waitTimeSeconds: settings.waitTimeSeconds ?? queue.receiveWaitSeconds,
  });
}
