import http from 'node:http';
import {
  createAwsClients,
  createDatabase,
  createLogger,
  migrate,
  OutboxRelay,
  resolveQueueUrl,
} from '@ocr-jobs/core';
import { createApp } from './app';
import { loadJobsApiConfig } from './config';

async function main() {
  const config = loadJobsApiConfig();
  const logger = createLogger('jobs-api', config.LOG_LEVEL);
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
  // Sends what the API's transactions wrote to the outbox (OCR messages, audit events).
  const relay = new OutboxRelay({ db, sqs: clients.sqs, queueUrls, logger });
  relay.start();
  const app = createApp({
    logger,
    db,
    clients,
    settings: config,
    queueUrls: [queueUrls.ocr, queueUrls.audit],
    nudgeOutbox: () => relay.nudge(),
  });
  const server = http.createServer(app.callback());
  server.listen(config.PORT, () => logger.info('jobs-api listening', { port: config.PORT }));

  // SIGTERM (ECS, Ctrl-C via npm start): stop accepting, let in-flight requests finish, then stop
  // the relay (its round in flight completes) and close the pools.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing anyway');
      server.closeAllConnections();
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    server.close(async () => {
      await relay.stop();
      await db.close();
      clients.destroy();
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(
    JSON.stringify({
      level: 'error',
      message: 'jobs-api failed to start',
      service: 'jobs-api',
      error: String(error),
      cause: String((error as Error).cause ?? ''),
    }),
  );
  process.exit(1);
});
