import { baseConfigSchema, createLogger, loadConfig } from '@ocr-jobs/runtime';
import { createDatabase } from './database';
import { migrate } from './migrator';

/**
 * The deploy's one-off migration task (infra/ runs it from the jobs-api image before the services
 * change): applies pending migrations under the migrator's named lock and exits 0, or logs why not and
 * exits 1, which stops the deploy. Reads the same DATABASE_URL / DATABASE_PASSWORD as the services.
 *
 *   node -e "require('@ocr-jobs/db/dist/migrate-main.js').main()"
 */
export async function runMigrations(environment: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const config = loadConfig(baseConfigSchema, environment);
  const logger = createLogger('migrate', config.LOG_LEVEL);
  const db = createDatabase({
    url: config.DATABASE_URL,
    password: config.DATABASE_PASSWORD,
    poolMax: 2,
    logger,
  });
  const started = Date.now();
  try {
    const applied = await migrate(db, logger);
    logger.info('migrations applied', { applied, duration_ms: Date.now() - started });
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
