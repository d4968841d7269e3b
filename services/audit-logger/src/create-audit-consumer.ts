import { resourceDefinition } from '@ocr-jobs/contracts';
import type { AwsClients, Logger } from '@ocr-jobs/runtime';
import { AuditConsumer } from './audit-consumer';
import { AuditWriter } from './audit-writer';
import { createBatchHandler } from './batch-handler';
import { DynamoDbAvailability } from './dynamodb-availability';

export interface AuditLoggerSettings {
  queueUrl: string;
  table: string;
  retentionDays: number;
  /** Default 10. */
  batchSize?: number;
  /** Default: the audit queue's receiveWaitSeconds from the resource definition. */
  waitTimeSeconds?: number;
  writeMaxAttempts?: number;
  writeBackoffMs?: number;
  writeBackoffMaxMs?: number;
  outageBackoffMs?: number;
  outageBackoffMaxMs?: number;
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
    backoffMs: settings.writeBackoffMs,
    backoffMaxMs: settings.writeBackoffMaxMs,
  });
  const availability = new DynamoDbAvailability({
    dynamodb: clients.dynamodb,
    table: settings.table,
    logger,
    probeBackoffMs: settings.outageBackoffMs,
    probeBackoffMaxMs: settings.outageBackoffMaxMs,
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
