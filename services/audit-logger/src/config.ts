import { defineConfig, env, loadConfigOrExit } from '@ocr-jobs/runtime';

/** audit-logger settings on top of the shared ones; every default is listed in /.env.example. */
export const configSchema = defineConfig({
  /** Days a record is kept: its `expires_at` TTL attribute is the event time plus this. */
  AUDIT_RETENTION_DAYS: env.int(365, 1, 3650),
  /** Messages per receive and per BatchWriteItem (SQS allows at most 10). */
  AUDIT_BATCH_SIZE: env.int(10, 1, 10),
  /** BatchWriteItem calls per batch while DynamoDB hands back UnprocessedItems. */
  AUDIT_WRITE_MAX_ATTEMPTS: env.int(6, 1, 20),
  /** First retry delay for UnprocessedItems; doubles per attempt, full jitter. */
  AUDIT_WRITE_BACKOFF_MS: env.int(50, 1, 10_000),
  /** Cap of the UnprocessedItems retry delay. */
  AUDIT_WRITE_BACKOFF_MAX_MS: env.int(2_000, 1, 60_000),
  /** First pause between DynamoDB probes while it is unreachable; doubles per probe, with jitter. */
  AUDIT_OUTAGE_BACKOFF_MS: env.int(500, 1, 60_000),
  /** Cap of the pause between DynamoDB probes while it is unreachable (no messages are received meanwhile). */
  AUDIT_OUTAGE_BACKOFF_MAX_MS: env.int(60_000, 100, 600_000),
  /** At SIGTERM: how long the batch in flight may take before the process exits anyway. */
  AUDIT_SHUTDOWN_TIMEOUT_MS: env.int(10_000, 0, 120_000),
});

export type Config = ReturnType<typeof configSchema.parse>;

export const loadConfig = (environment: NodeJS.ProcessEnv = process.env): Config =>
  loadConfigOrExit(configSchema, environment);
