import { SequelizeStorage, Umzug } from 'umzug';
import type { Sequelize } from 'sequelize-typescript';
import type { Logger } from '@ocr-jobs/runtime';
import { migrations } from './migrations';

function umzugFor(db: Sequelize, logger?: Logger) {
  return new Umzug({
    migrations: migrations.map((m) => ({ name: m.name, up: m.up, down: m.down })),
    context: db.getQueryInterface(),
    storage: new SequelizeStorage({ sequelize: db, tableName: 'schema_migrations' }),
    logger: logger
      ? {
          info: (m) => logger.info('migration', m),
          warn: (m) => logger.warn('migration', m),
          error: (m) => logger.error('migration', m),
          debug: (m) => logger.debug('migration', m),
        }
      : undefined,
  });
}

/**
 * Applies pending migrations; running it again applies nothing. On MySQL a named lock makes two
 * processes started together (two deploys' migration tasks) apply them once.
 */
export async function migrate(db: Sequelize, logger?: Logger): Promise<string[]> {
  const umzug = umzugFor(db, logger);
  if (db.getDialect() === 'sqlite') return (await umzug.up()).map((m) => m.name);
  // GET_LOCK belongs to a session: the transaction pins one connection to hold it while the DDL runs on others.
  return db.transaction(async (transaction) => {
    const [rows] = (await db.query("SELECT GET_LOCK('ocr_jobs_migrate', 120) AS locked", {
      transaction,
    })) as [Array<{ locked: number }>, unknown];
    if (Number(rows[0]?.locked) !== 1) throw new Error('could not take the migration lock within 120 s');
    try {
      return (await umzug.up()).map((m) => m.name);
    } finally {
      await db.query("SELECT RELEASE_LOCK('ocr_jobs_migrate')", { transaction });
    }
  });
}

export async function pendingMigrations(db: Sequelize): Promise<string[]> {
  return (await umzugFor(db).pending()).map((m) => m.name);
}
