import { defineConfig, env, loadConfigOrExit } from '@ocr-jobs/runtime';

const MiB = 1024 * 1024;

const jobsApiConfigSchema = defineConfig({
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
  /** Lifetime of a presigned upload URL. */
  UPLOAD_URL_TTL_SECONDS: env.int(900, 60, 7 * 24 * 3600),
  /** Largest page a list endpoint returns; a larger `limit` is capped to it. */
  PAGE_LIMIT_MAX: env.int(100, 1, 1000),
  /** How long an Idempotency-Key is remembered. */
  IDEMPOTENCY_TTL_HOURS: env.int(24, 1, 24 * 30),
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
  | 'UPLOAD_URL_TTL_SECONDS'
  | 'PAGE_LIMIT_MAX'
  | 'IDEMPOTENCY_TTL_HOURS'
>;

export const loadJobsApiConfig = (environment: NodeJS.ProcessEnv = process.env): JobsApiConfig =>
  loadConfigOrExit(jobsApiConfigSchema, environment);
