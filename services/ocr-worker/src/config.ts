import os from 'node:os';
import { z } from 'zod';
import { resourceDefinition } from '@ocr-jobs/contracts';
import { outboxRelayConfigFields } from '@ocr-jobs/db';
import { defineConfig, env, loadConfigOrExit, ocrLanguageConfigFields } from '@ocr-jobs/runtime';

const ocrQueue = resourceDefinition.queues.ocr;

export const configSchema = defineConfig({
  /** `tesseract` reads the files; `mock` answers `OK_<first 12 hex of sha256(file)>` (pipeline check). */
  OCR_ENGINE: z.enum(['tesseract', 'mock'], { message: 'expected tesseract or mock' }).default('tesseract'),
  /** Items recognised at once (one tesseract worker each; one CPU core each at best). */
  OCR_CONCURRENCY: env.int(os.availableParallelism(), 1, 64),
  /** Longest time one item may spend in OCR; past it the engine worker is terminated and the item fails. */
  OCR_ITEM_TIMEOUT_MS: env.int(120_000, 100, 3_600_000),
  /** Largest page, in pixels, read from the file header before anything is decoded. */
  OCR_MAX_PIXELS: env.int(50_000_000, 1, 1_000_000_000),
  /**
   * Most pages (TIFF frames, PDF pages) one item may have. Born-digital PDF pages are read from their
   * text layer in milliseconds; scanned pages are bounded in time by OCR_ITEM_TIMEOUT_MS as well.
   */
  OCR_MAX_PAGES: env.int(200, 1, 10_000),
  // OCR_LANGUAGES, OCR_DEFAULT_LANGUAGES, OCR_MODEL, OCR_TESSDATA_DIR: shared with jobs-api.
  ...ocrLanguageConfigFields,
  /**
   * Messages held beyond OCR_CONCURRENCY: each is downloaded and decoded while the engine's workers
   * are busy, so a worker never waits for S3 or the database between two items. Two: workers reading
   * pages of similar length finish together, and with one held item the second waited (a tesseract
   * thread idle for 200 ms, seen in the bench's CPU timeline).
   */
  OCR_PREFETCH: env.int(2, 0, 64),
  /** Resolution PDF pages are rasterised at. */
  OCR_PDF_DPI: env.int(200, 50, 600),
  /**
   * Below this score (0-100: the page's confidence times the share of its tokens that are words or
   * numbers) a page is also tried turned by 180, 90 and 270 degrees. Turned pages and lines score
   * 8-30, upright noisy A4 pages 46-88 (bench pages and test lines); by confidence alone a sideways
   * line read as symbols at 59 and a noisy upright invoice at 67, so no threshold was both safe and
   * cheap.
   */
  OCR_ROTATION_MIN_CONFIDENCE: env.int(40, 0, 100),
  /** A tesseract worker is replaced after this many items (its WASM heap only grows). */
  OCR_WORKER_MAX_JOBS: env.int(100, 1, 1_000_000),
  /** A tesseract worker is replaced after an item when the process RSS is above this (MiB). */
  OCR_WORKER_MAX_RSS_MB: env.int(1536, 64, 65_536),
  /**
   * How long a received message stays invisible; the heartbeat extends it while an item runs, so a
   * crashed worker's item is back on the queue this many seconds later (shared queue definition).
   */
  OCR_VISIBILITY_TIMEOUT_S: env.int(ocrQueue.lease.leaseSeconds, 1, 43_200),
  /** Seconds between visibility extensions of a running item (less than the visibility timeout). */
  OCR_HEARTBEAT_INTERVAL_S: env.int(ocrQueue.lease.heartbeatSeconds, 1, 43_199),
  /** After a transient failure the message comes back after this many seconds. */
  OCR_RETRY_DELAY_S: env.int(30, 0, 43_200),
  /** SQS long-polling wait. */
  OCR_WAIT_TIME_S: env.int(ocrQueue.receiveWaitSeconds, 0, 20),
  /** How often the expiry sweep looks for jobs past their retention deadline. */
  EXPIRY_SWEEP_INTERVAL_MS: env.int(60_000, 100, 86_400_000),
  /** How often the reconciler settles dead letters and looks for items whose message was lost. */
  RECOVERY_INTERVAL_MS: env.int(30_000, 100, 86_400_000),
  /**
   * An unfinished item untouched this long, while the OCR queue holds no message at all, is stranded
   * and its message re-sent. Covers SQS's approximate counts (about a minute behind in AWS).
   */
  RECOVERY_QUIET_MS: env.int(90_000, 0, 86_400_000),
  /** Re-sends of a stranded item's message before it ends ERROR. */
  RECOVERY_MAX_REDRIVES: env.int(3, 0, 100),
  /** After SIGTERM, how long in-flight items may take before their messages are released. */
  SHUTDOWN_TIMEOUT_MS: env.int(20_000, 0, 120_000),
  /** CloudWatch namespace of the embedded-metric-format lines. */
  METRICS_NAMESPACE: z.string().min(1).max(255).default('OcrJobs'),
  // The worker writes audit events (item started/finished, job expired) and webhook deliveries (item and
  // job finished); the API relays OCR messages, so the worker's role needs no right to send to the OCR queue.
  ...outboxRelayConfigFields(['audit', 'webhook']),
}).refine((c) => c.OCR_HEARTBEAT_INTERVAL_S < c.OCR_VISIBILITY_TIMEOUT_S, {
  path: ['OCR_HEARTBEAT_INTERVAL_S'],
  message: 'expected less than OCR_VISIBILITY_TIMEOUT_S',
});

export type Config = z.infer<typeof configSchema>;

export const loadConfig = (environment: NodeJS.ProcessEnv = process.env): Config =>
  loadConfigOrExit(configSchema, environment);
