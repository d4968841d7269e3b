import { createAwsClients, createDatabase, createLogger, migrate, resolveQueueUrl } from '@ocr-jobs/core';
import { loadConfig } from './config';
import { createOcrWorker } from './ocr-worker';

async function main() {
  const config = loadConfig();
  const logger = createLogger('ocr-worker', config.LOG_LEVEL);
  const db = createDatabase({
    url: config.DATABASE_URL,
    password: config.DATABASE_PASSWORD,
    poolMax: config.DATABASE_POOL_MAX,
    logger,
  });
  await migrate(db, logger);
  const clients = createAwsClients({
    region: config.AWS_REGION,
    s3ForcePathStyle: config.S3_FORCE_PATH_STYLE,
  });
  const queueUrls = {
    ocr: await resolveQueueUrl(clients.sqs, config.OCR_QUEUE_NAME),
    audit: await resolveQueueUrl(clients.sqs, config.AUDIT_QUEUE_NAME),
  };
  const worker = createOcrWorker({ settings: config, db, clients, queueUrls, logger });
  worker.start();

  // SIGTERM (Fargate scale-in, npm start's Ctrl-C): stop polling, finish or release in-flight items
  // within SHUTDOWN_TIMEOUT_MS, terminate the engine, exit 0.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal, timeout_ms: config.SHUTDOWN_TIMEOUT_MS });
    try {
      await worker.stop(config.SHUTDOWN_TIMEOUT_MS);
      await db.close();
      clients.destroy();
      process.exit(0);
    } catch (error) {
      logger.error('unclean shutdown', { err: error });
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(
    JSON.stringify({
      level: 'error',
      message: 'ocr-worker failed to start',
      service: 'ocr-worker',
      error: String(error),
      cause: String((error as Error).cause ?? ''),
    }),
  );
  process.exit(1);
});
