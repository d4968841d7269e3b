import { awsClientsFor, createLogger, onStopSignal, resolveQueueUrl, runMain } from '@ocr-jobs/runtime';
import { auditLoggerSettings, createAuditConsumer } from './create-audit-consumer';
import { loadConfig } from './config';

async function main() {
  const config = loadConfig();
  const logger = createLogger('audit-logger', config.LOG_LEVEL);
  const clients = awsClientsFor(config);
  const queueUrl = await resolveQueueUrl(clients.sqs, config.AUDIT_QUEUE_NAME);
  const consumer = createAuditConsumer(clients, auditLoggerSettings(config, queueUrl), logger);
  consumer.start();
  logger.info('audit-logger started', {
    table: config.AUDIT_TABLE_NAME,
    retention_days: config.AUDIT_RETENTION_DAYS,
    batch_size: config.AUDIT_BATCH_SIZE,
  });

  onStopSignal(async (signal) => {
    logger.info('shutting down', { signal, timeout_ms: config.AUDIT_SHUTDOWN_TIMEOUT_MS });
    await consumer.stop(config.AUDIT_SHUTDOWN_TIMEOUT_MS);
    clients.destroy();
    logger.info('stopped', { signal });
    // Exit once winston has flushed the last line.
    logger.on('finish', () => process.exit(0));
    logger.end();
  });
}

runMain('audit-logger', main);
