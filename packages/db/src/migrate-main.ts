import { defineConfig, createLogger, env, loadConfig } from '@ocr-jobs/runtime';
import { z } from 'zod';
import { createApiKey } from './api-keys';
import { ensureAppUser } from './app-user';
import { createDatabase, dialectOf } from './database';
import { migrate } from './migrator';

/** The migration task's settings: the base ones (DATABASE_* as the admin user) and what it sets up. */
export const migrateConfigSchema = defineConfig({
  /** The services' user (data rights only), created or updated with DATABASE_APP_PASSWORD. */
  DATABASE_APP_USER: env.optionalString(),
  DATABASE_APP_PASSWORD: env.optionalString(),
  /**
   * The operator's first API key (from the bootstrap secret ECS injects): its SHA-256 is registered,
   * the key itself is neither stored nor logged.
   */
  BOOTSTRAP_API_KEY: env.optionalString(),
  BOOTSTRAP_TENANT: z.string().min(1).default('operator'),
});

/**
 * The deploy's one-off migration task (infra/ runs it from the jobs-api image before the services
 * change): applies pending migrations under the migrator's named lock and exits 0, or logs why not and
 * exits 1, which stops the deploy. Connects as the admin user (DATABASE_URL / DATABASE_PASSWORD); then
 * creates the services' user and registers the bootstrap API key's hash when configured.
 *
 *   node -e "require('@ocr-jobs/db/dist/migrate-main.js').main()"
 */
export async function runMigrations(environment: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const config = loadConfig(migrateConfigSchema, environment);
  const logger = createLogger('migrate', config.LOG_LEVEL);
  const db = createDatabase({
    url: config.DATABASE_URL,
    password: config.DATABASE_PASSWORD,
    tls: config.DATABASE_TLS,
    poolMax: 2,
    logger,
  });
  const started = Date.now();
  try {
    const applied = await migrate(db, logger);
    logger.info('migrations applied', { applied, duration_ms: Date.now() - started });
    if (
      config.DATABASE_APP_USER &&
      config.DATABASE_APP_PASSWORD &&
      dialectOf(config.DATABASE_URL) === 'mysql'
    ) {
      await ensureAppUser(db, config.DATABASE_APP_USER, config.DATABASE_APP_PASSWORD);
      logger.info('application user ready', { user: config.DATABASE_APP_USER });
    }
    if (config.BOOTSTRAP_API_KEY) {
      const { record } = await createApiKey({
        tenant: config.BOOTSTRAP_TENANT,
        name: 'bootstrap',
        key: config.BOOTSTRAP_API_KEY,
      });
      logger.info('bootstrap API key registered', { api_key_id: record.id, tenant: record.tenant });
    }
    return applied;
  } finally {
    await db.close();
  }
}

export function main(): void {
  runMigrations().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(
        JSON.stringify({
          level: 'error',
          message: 'migrations failed',
          service: 'migrate',
          error: String(error),
          cause: String((error as Error).cause ?? ''),
        }),
      );
      process.exit(1);
    },
  );
}
