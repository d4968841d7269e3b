import { defineConfig, loadConfigOrExit } from '@ocr-jobs/core';

export const configSchema = defineConfig({});

export type Config = ReturnType<typeof configSchema.parse>;

export const loadConfig = (environment: NodeJS.ProcessEnv = process.env): Config =>
  loadConfigOrExit(configSchema, environment);
