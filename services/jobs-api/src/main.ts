import http from 'node:http';
import { createOutboxRelay, openDatabase, startOrphanSweep } from '@ocr-jobs/db';
import {
  applyHttpKeepAlive,
  awsClientsFor,
  createLogger,
  onStopSignal,
  resolveQueueUrls,
  runMain,
} from '@ocr-jobs/runtime';
import { createApp } from './app';
import { loadJobsApiConfig } from './config';
import { endAllJobStreams } from './jobs/job-stream';
import { createDeliveryConsumer } from './webhooks/delivery-consumer';

async function main() {
  const config = loadJobsApiConfig();
  const logger = createLogger('jobs-api', config.LOG_LEVEL);
  const db = openDatabase(config, logger);
  const clients = awsClientsFor(config);
  const queueUrls = await resolveQueueUrls(clients, config);
  // Sends the outbox rows of the destinations the API owns (OCR messages, audit events).
  const relay = createOutboxRelay(config, { db, sqs: clients.sqs, queueUrls, logger });
  relay.start();
  // Webhook deliveries run in the API tasks: they always run (workers scale to zero), already reach
  // the database and the internet, and a delivery is a short HTTP call — no service of its own needed.
  const deliveries = createDeliveryConsumer({
    db,
    sqs: clients.sqs,
    queueUrl: queueUrls.webhook,
    logger,
    settings: config,
    waitTimeSeconds: config.WEBHOOK_WAIT_TIME_S,
  });
  deliveries.start();
  // Here, not in a local-only process, so AWS gets the same sweep as `npm start` (jobs/ has no lifecycle rule).
  const stopSweep = startOrphanSweep({
    s3: clients.s3,
    bucket: config.S3_BUCKET,
    db,
    minAgeMs: config.ORPHAN_MIN_AGE_MS,
    uploadMinAgeMs: Math.max(config.ORPHAN_MIN_AGE_MS, config.UPLOAD_URL_TTL_SECONDS * 1000),
    intervalMs: config.ORPHAN_SWEEP_INTERVAL_MS,
    logger,
  });
  const app = createApp({
    logger,
    db,
    clients,
    settings: config,
    queueUrls: [queueUrls.ocr, queueUrls.audit, queueUrls.webhook],
    nudgeOutbox: () => relay.nudge(),
  });
  const server = http.createServer(app.callback());
  // Longer than the ALB's idle timeout, so the ALB never reuses a connection the API just closed.
  applyHttpKeepAlive(server);
  server.listen(config.PORT, () => logger.info('jobs-api listening', { port: config.PORT }));

  // SIGTERM (ECS, Ctrl-C via npm start): stop accepting, let in-flight requests finish, then stop
  // the relay (its round in flight completes) and close the pools.
  onStopSignal((signal) => {
    logger.info('shutting down', { signal });
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing anyway');
      server.closeAllConnections();
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    endAllJobStreams();
    stopSweep();
    server.close(async () => {
      await deliveries.stop();
      await relay.stop();
      await db.close();
      clients.destroy();
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  });
}

runMain('jobs-api', main);
