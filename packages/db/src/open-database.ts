import type { BaseConfig, Logger } from '@ocr-jobs/runtime';
import type { Sequelize } from 'sequelize-typescript';
import { createDatabase } from './database';
import { filePassword, secretsManagerPassword, type PasswordSource } from './password-source';

/** The database of the configured URL; the password from the secret, the file or DATABASE_PASSWORD. */
export function openDatabase(config: BaseConfig, logger: Logger): Sequelize {
  return createDatabase({
    url: config.DATABASE_URL,
    password: config.DATABASE_PASSWORD,
    passwordSource: passwordSourceFor(config),
    tls: config.DATABASE_TLS,
    poolMax: config.DATABASE_POOL_MAX,
    logger,
  });
}

/** Where a rotating password lives, if configured (a secret on AWS, a file locally). */
export function passwordSourceFor(config: BaseConfig): PasswordSource | undefined {
  if (config.DATABASE_SECRET_ARN)
    return secretsManagerPassword(config.DATABASE_SECRET_ARN, config.AWS_REGION);
  if (config.DATABASE_PASSWORD_FILE) return filePassword(config.DATABASE_PASSWORD_FILE);
  return undefined;
}
