import { openDatabase } from '@ocr-jobs/db';
import {
  awsClientsFor,
  createLogger,
  loadableLanguages,
  onStopSignal,
  resolveQueueUrls,
  runMain,
} from '@ocr-jobs/runtime';
import { loadConfig } from './config';
import { createOcrWorker } from './ocr-worker';

async function main() {
  const config = loadConfig();
  // Before anything connects: a listed language without its model stops the start with one line.
  const languages = config.OCR_ENGINE === 'tesseract' ? loadableLanguages(config) : [];
  const logger = createLogger('ocr-worker', config.LOG_LEVEL);
  const db = openDatabase(config, logger);
  const clients = awsClientsFor(config);
  const queueUrls = await resolveQueueUrls(clients, config);
  const worker = createOcrWorker({ settings: config, db, clients, queueUrls, logger, languages });
  worker.start();

  // SIGTERM (Fargate scale-in, npm start's Ctrl-C): stop polling, finish or release in-flight items
  // within SHUTDOWN_TIMEOUT_MS, terminate the engine, exit 0.
  onStopSignal(async (signal) => {
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
  });
}

runMain('ocr-worker', main);
