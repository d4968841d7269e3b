import type { BaseConfig, Logger } from '@ocr-jobs/runtime';
import type { Sequelize } from 'sequelize-typescript';
import { createDatabase } from './database';

/** The database of the configured URL (password from DATABASE_PASSWORD when set). */
export function openDatabase(config: BaseConfig, logger: Logger): Sequelize {
  return createDatabase({
    url: config.DATABASE_URL,
    password: config.DATABASE_PASSWORD,
    poolMax: config.DATABASE_POOL_MAX,
    logger,
  });
}
