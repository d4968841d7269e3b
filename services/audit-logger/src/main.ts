import { createAwsClients, createLogger, resolveQueueUrl } from '@ocr-jobs/core';
import { createAuditLogger } from './audit-logger';
import { loadConfig } from './config';

async function main() {
  const config = loadConfig();
  const logger = createLogger('audit-logger', config.LOG_LEVEL);
  const clients = createAwsClients({
    region: config.AWS_REGION,
    s3ForcePathStyle: config.S3_FORCE_PATH_STYLE,
  });
  const queueUrl = await resolveQueueUrl(clients.sqs, config.AUDIT_QUEUE_NAME);
  const consumer = createAuditLogger(
    clients,
    {
      queueUrl,
      table: config.AUDIT_TABLE_NAME,
      retentionDays: config.AUDIT_RETENTION_DAYS,
      batchSize: config.AUDIT_BATCH_SIZE,
      writeMaxAttempts: config.AUDIT_WRITE_MAX_ATTEMPTS,
      writeBackoffMs: config.AUDIT_WRITE_BACKOFF_MS,
      writeBackoffMaxMs: config.AUDIT_WRITE_BACKOFF_MAX_MS,
      outageBackoffMaxMs: config.AUDIT_OUTAGE_BACKOFF_MAX_MS,
    },
    logger,
  );
  consumer.start();
  logger.info('audit-logger started', {
    table: config.AUDIT_TABLE_NAME,
    retention_days: config.AUDIT_RETENTION_DAYS,
    batch_size: config.AUDIT_BATCH_SIZE,
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal, timeout_ms: config.AUDIT_SHUTDOWN_TIMEOUT_MS });
    await consumer.stop(config.AUDIT_SHUTDOWN_TIMEOUT_MS);
    clients.destroy();
    logger.info('stopped', { signal });
    // Exit once winston has flushed the last line.
    logger.on('finish', () => process.exit(0));
    logger.end();
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(
    JSON.stringify({
      level: 'error',
      message: 'audit-logger failed to start',
      service: 'audit-logger',
      error: String(error),
      cause: String((error as Error).cause ?? ''),
    }),
  );
  process.exit(1);
});
