import { defineConfig, env, loadConfigOrExit } from '@ocr-jobs/core';

export const jobsApiConfigSchema = defineConfig({
  PORT: env.port(3000),
  /** How long in-flight requests may take to finish after SIGTERM. */
  SHUTDOWN_TIMEOUT_MS: env.int(20_000, 0, 120_000),
});

export type JobsApiConfig = ReturnType<typeof jobsApiConfigSchema.parse>;

export const loadJobsApiConfig = (environment: NodeJS.ProcessEnv = process.env): JobsApiConfig =>
  loadConfigOrExit(jobsApiConfigSchema, environment);
