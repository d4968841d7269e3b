import { outboxRelayConfigFields } from '@ocr-jobs/db';
import { defineConfig, env, loadConfigOrExit, ocrLanguageConfigFields } from '@ocr-jobs/runtime';

const MiB = 1024 * 1024;

export const jobsApiConfigSchema = defineConfig({
  PORT: env.port(3000),
  /** How long in-flight requests may take to finish after SIGTERM. */
  SHUTDOWN_TIMEOUT_MS: env.int(20_000, 0, 120_000),
  /** Files per job (multipart files or presigned uploads). */
  MAX_FILES: env.int(50, 1, 1000),
  /** Bytes per file; presigned uploads too. */
  MAX_FILE_BYTES: env.int(50 * MiB, 1, 5 * 1024 * MiB),
  /** Bytes of all files of one multipart request together. */
  MAX_TOTAL_BYTES: env.int(200 * MiB, 1, 50 * 1024 * MiB),
  /** Pixels (width × height, read from the image header) per image; PDFs are not measured. */
  MAX_IMAGE_PIXELS: env.int(50_000_000, 1, 2_000_000_000),
  /** Origins allowed to call the API from a browser (comma-separated); empty = no CORS at all. */
  CORS_ORIGINS: env.list([]),
  /**
   * Files streamed to S3 at once by this process. Each holds up to two 5 MiB multipart parts in
   * memory, so this bounds the upload memory; further files wait (their clients held by TCP
   * back-pressure) instead of being refused.
   */
  UPLOAD_CONCURRENCY: env.int(4, 1, 64),
  /** Lifetime of a presigned upload URL. */
  UPLOAD_URL_TTL_SECONDS: env.int(900, 60, 7 * 24 * 3600),
  /** How often each API task sweeps the bucket for objects no row owns (db/orphan-sweep.ts). */
  ORPHAN_SWEEP_INTERVAL_MS: env.int(3_600_000, 1_000, 86_400_000),
  /**
   * Only objects older than this are swept: longer than any upload request, so the sweep cannot take
   * a file whose job is still being created. Unused presigned uploads also wait for their URL to expire.
   */
  ORPHAN_MIN_AGE_MS: env.int(3_600_000, 0, 30 * 86_400_000),
  /** Largest page a list endpoint returns; a larger `limit` is capped to it. */
  PAGE_LIMIT_MAX: env.int(100, 1, 1000),
  /** How long an Idempotency-Key is remembered. */
  IDEMPOTENCY_TTL_HOURS: env.int(24, 1, 24 * 30),
  /** Webhook and callback URLs may be http:// (local use); otherwise https only. */
  WEBHOOK_ALLOW_HTTP: env.bool(false),
  /** Lets webhooks reach loopback/private/link-local addresses (the local stack sets it; never in AWS). */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: env.bool(false),
  /** Deadline of one delivery attempt (connect, send, response headers). */
  WEBHOOK_TIMEOUT_MS: env.int(10_000, 100, 30_000),
  /** First retry step; each next one doubles, capped at 12 h, with jitter. */
  WEBHOOK_BACKOFF_BASE_SECONDS: env.int(30, 1, 3600),
  /** How long a failing delivery is retried (the webhook queue keeps messages 4 days). */
  WEBHOOK_RETRY_WINDOW_HOURS: env.int(26, 24, 72),
  /** An endpoint failing without a single success this long is disabled (audit event webhook.disabled). */
  WEBHOOK_DISABLE_AFTER_HOURS: env.int(72, 24, 24 * 14),
  /** Long-poll wait of the webhook queue; shutdown waits for the poll in flight. */
  WEBHOOK_WAIT_TIME_S: env.int(20, 1, 20),
  /** Deliveries attempted at once per API task. */
  WEBHOOK_CONCURRENCY: env.int(4, 1, 50),
  /**
   * Largest sum of stored file bytes of the DONE items that GET /api/jobs/{id}/result?format=pdf
   * builds into one PDF (pdf-lib holds the whole document in memory, about 2-3× its input); larger
   * jobs answer 413 and are downloaded as a zip (one item at a time) or item by item.
   */
  JOB_PDF_MAX_BYTES: env.int(100 * MiB, 1, 2 * 1024 * MiB),
  /** How often GET /api/jobs/{id}/stream reads the job. */
  STREAM_POLL_MS: env.int(1000, 100, 60_000),
  /** SSE comment heartbeat; below the ALB idle timeout (60 s). */
  STREAM_HEARTBEAT_MS: env.int(15_000, 1000, 55_000),
  // What the workers can read (OCR_LANGUAGES) and a job's default (OCR_DEFAULT_LANGUAGES): shared with ocr-worker.
  ...ocrLanguageConfigFields,
  // The API writes OCR messages, audit events and webhook redeliveries, and relays all three.
  ...outboxRelayConfigFields(['ocr', 'audit', 'webhook']),
});

export type JobsApiConfig = ReturnType<typeof jobsApiConfigSchema.parse>;

/** The settings the HTTP application itself reads (tests build it directly). */
export type AppSettings = Pick<
  JobsApiConfig,
  | 'S3_BUCKET'
  | 'AUDIT_TABLE_NAME'
  | 'MAX_FILES'
  | 'MAX_FILE_BYTES'
  | 'MAX_TOTAL_BYTES'
  | 'MAX_IMAGE_PIXELS'
  | 'CORS_ORIGINS'
  | 'UPLOAD_CONCURRENCY'
  | 'UPLOAD_URL_TTL_SECONDS'
  | 'PAGE_LIMIT_MAX'
  | 'IDEMPOTENCY_TTL_HOURS'
  | 'WEBHOOK_ALLOW_HTTP'
  | 'WEBHOOK_ALLOW_PRIVATE_NETWORKS'
  | 'STREAM_POLL_MS'
  | 'STREAM_HEARTBEAT_MS'
  | 'JOB_PDF_MAX_BYTES'
  | 'OCR_LANGUAGES'
  | 'OCR_DEFAULT_LANGUAGES'
  | 'OCR_MODEL'
  | 'OCR_TESSDATA_DIR'
>;

export const loadJobsApiConfig = (environment: NodeJS.ProcessEnv = process.env): JobsApiConfig =>
  loadConfigOrExit(jobsApiConfigSchema, environment);
