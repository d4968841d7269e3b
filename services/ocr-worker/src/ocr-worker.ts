import type { Sequelize } from 'sequelize-typescript';
import { resourceDefinition } from '@ocr-jobs/contracts';
import { createOutboxRelay, type OutboxRelaySettings } from '@ocr-jobs/db';
import { loadableLanguages, type AwsClients, type LoadableLanguage, type Logger } from '@ocr-jobs/runtime';
import type { Config } from './config';
import type { OcrEngine } from './engine/engine';
import { MockEngine } from './engine/mock-engine';
import { TesseractEngine } from './engine/tesseract-engine';
import { TesseractPool } from './engine/tesseract-pool';
import { ItemProcessor } from './item-processor';
import { EmfMetrics } from './metrics';
import { QueueConsumer } from './queue-consumer';
import { ExpirySweeper } from './state/expiry-sweeper';
import { Reconciler } from './state/reconciler';

export type WorkerSettings = Pick<
  Config,
  | 'OCR_ENGINE'
  | 'OCR_CONCURRENCY'
  | 'OCR_ITEM_TIMEOUT_MS'
  | 'OCR_MAX_PIXELS'
  | 'OCR_MAX_PAGES'
  | 'OCR_LANGUAGES'
  | 'OCR_DEFAULT_LANGUAGES'
  | 'OCR_MODEL'
  | 'OCR_TESSDATA_DIR'
  | 'OCR_PREFETCH'
  | 'OCR_PDF_DPI'
  | 'OCR_ROTATION_MIN_CONFIDENCE'
  | 'OCR_WORKER_MAX_JOBS'
  | 'OCR_WORKER_MAX_RSS_MB'
  | 'OCR_VISIBILITY_TIMEOUT_S'
  | 'OCR_HEARTBEAT_INTERVAL_S'
  | 'OCR_RETRY_DELAY_S'
  | 'OCR_WAIT_TIME_S'
  | 'EXPIRY_SWEEP_INTERVAL_MS'
  | 'RECOVERY_INTERVAL_MS'
  | 'RECOVERY_QUIET_MS'
  | 'RECOVERY_MAX_REDRIVES'
  | 'S3_BUCKET'
  | 'METRICS_NAMESPACE'
> &
  OutboxRelaySettings;

export interface OcrWorkerDeps {
  settings: WorkerSettings;
  db: Sequelize;
  clients: Pick<AwsClients, 's3' | 'sqs'>;
  queueUrls: { ocr: string; audit: string; webhook: string };
  logger: Logger;
  /** Where EMF lines go (stdout by default). */
  writeMetric?: (line: string) => void;
  /** The languages' models, when the caller already checked them (default: found from the settings). */
  languages?: readonly LoadableLanguage[];
}

function createEngine(
  settings: WorkerSettings,
  languages: readonly LoadableLanguage[],
  logger: Logger,
): OcrEngine {
  if (settings.OCR_ENGINE === 'mock') return new MockEngine();
  const pool = new TesseractPool({
    languages,
    defaultLanguages: settings.OCR_DEFAULT_LANGUAGES,
    size: settings.OCR_CONCURRENCY,
    maxJobsPerWorker: settings.OCR_WORKER_MAX_JOBS,
    maxRssBytes: settings.OCR_WORKER_MAX_RSS_MB * 1024 * 1024,
    logger,
  });
  return new TesseractEngine({
    pool,
    limits: {
      maxPixels: settings.OCR_MAX_PIXELS,
      maxPages: settings.OCR_MAX_PAGES,
      pdfDpi: settings.OCR_PDF_DPI,
    },
    rotationMinConfidence: settings.OCR_ROTATION_MIN_CONFIDENCE,
  });
}

/**
 * The worker: queue consumer, engine, outbox relay, expiry sweep and reconciler (stranded and
 * dead-lettered items), started and stopped together.
 */
export function createOcrWorker(deps: OcrWorkerDeps) {
  const { settings, db, clients, queueUrls, logger } = deps;
  // Refuses to start (one line naming the missing model and its package) when a language is missing.
  const languages =
    deps.languages ?? (settings.OCR_ENGINE === 'tesseract' ? loadableLanguages(settings) : []);
  const engine = createEngine(settings, languages, logger);
  const relay = createOutboxRelay(settings, { db, sqs: clients.sqs, queueUrls, logger });
  const sweeper = new ExpirySweeper({
    db,
    intervalMs: settings.EXPIRY_SWEEP_INTERVAL_MS,
    logger,
    onExpired: () => relay.nudge(),
  });
  const reconciler = new Reconciler({
    db,
    sqs: clients.sqs,
    ocrQueueUrl: queueUrls.ocr,
    bucket: settings.S3_BUCKET,
    logger,
    intervalMs: settings.RECOVERY_INTERVAL_MS,
    quietMs: settings.RECOVERY_QUIET_MS,
    maxRedrives: settings.RECOVERY_MAX_REDRIVES,
    onChanged: () => relay.nudge(),
  });
  const processor = new ItemProcessor({
    db,
    s3: clients.s3,
    engine,
    logger,
    metrics: new EmfMetrics(settings.METRICS_NAMESPACE, deps.writeMetric),
    itemTimeoutMs: settings.OCR_ITEM_TIMEOUT_MS,
    maxReceiveCount: resourceDefinition.queues.ocr.maxReceiveCount,
    onCommitted: () => relay.nudge(),
  });
  const consumer = new QueueConsumer({
    sqs: clients.sqs,
    queueUrl: queueUrls.ocr,
    processor,
    logger,
    // The extra pollers' items download and decode while the engine is busy, then wait for a worker.
    concurrency: settings.OCR_CONCURRENCY + settings.OCR_PREFETCH,
    visibilityTimeoutS: settings.OCR_VISIBILITY_TIMEOUT_S,
    heartbeatIntervalS: settings.OCR_HEARTBEAT_INTERVAL_S,
    retryDelayS: settings.OCR_RETRY_DELAY_S,
    waitTimeS: settings.OCR_WAIT_TIME_S,
  });

  return {
    engine,
    sweeper,
    reconciler,
    start(): void {
      relay.start();
      sweeper.start();
      // Models load now, not while the first items wait (a failure here is retried by the first item).
      engine.warm?.().catch((err: unknown) => logger.warn('could not start the OCR workers ahead', { err }));
      reconciler.start();
      consumer.start();
      logger.info('ocr-worker started', {
        engine: engine.name,
        model: settings.OCR_ENGINE === 'tesseract' ? settings.OCR_MODEL : undefined,
        languages: languages.map((l) => `${l.code} (${l.model})`).join(', ') || undefined,
        default_languages: settings.OCR_DEFAULT_LANGUAGES,
        concurrency: settings.OCR_CONCURRENCY,
        prefetch: settings.OCR_PREFETCH,
        queue_url: queueUrls.ocr,
      });
    },
    /** Graceful stop: in-flight items finish within `timeoutMs` or are released; then the rest stops. */
    async stop(timeoutMs: number): Promise<void> {
      const { released } = await consumer.stop(timeoutMs);
      await sweeper.stop();
      await reconciler.stop();
      await engine.close();
      // Send what the last items wrote to the outbox before going.
      await relay.relayOnce().catch((err: unknown) => logger.warn('final outbox relay failed', { err }));
      await relay.stop();
      logger.info('ocr-worker stopped', { released_in_flight: released });
    },
  };
}

export type OcrWorker = ReturnType<typeof createOcrWorker>;
