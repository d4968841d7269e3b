import 'reflect-metadata';
import path from 'node:path';
import fs from 'node:fs';
import { Sequelize } from 'sequelize-typescript';
import { Transaction } from 'sequelize';
import type { Logger } from '@ocr-jobs/runtime';
import { ApiKey } from './models/api-key.model';
import { IdempotencyKey } from './models/idempotency-key.model';
import { JobItem } from './models/job-item.model';
import { Job } from './models/job.model';
import { OutboxMessage } from './models/outbox-message.model';
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
  /** Overrides the URL's password (RDS-managed secret injected by ECS). */
  password?: string | undefined;
  poolMax?: number;
  logger?: Logger;
  /**
   * Bind the models to this connection (default). sequelize-typescript models belong to one
   * instance at a time, so an administrative connection (create/drop a test database) passes false.
   */
  bindModels?: boolean;
}

export type Dialect = 'mysql' | 'sqlite';

function dialectOf(url: string): Dialect {
  return url.startsWith('sqlite:') ? 'sqlite' : 'mysql';
}

/**
 * One Sequelize instance with every model. SQLite (the local default) is shared by three processes,
 * so it runs in WAL mode with a busy timeout and takes write locks when a transaction begins.
 */
export function createDatabase(options: DatabaseOptions): Sequelize {
  const dialect = dialectOf(options.url);
  const logging = options.logger ? (sql: string) => options.logger?.debug('sql', { sql }) : false;
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
    db.addHook('afterConnect', async (connection: unknown) => {
      const sqlite = connection as {
        configure(option: 'busyTimeout', ms: number): void;
        run(sql: string, cb: (err: Error | null) => void): void;
      };
      sqlite.configure('busyTimeout', 15_000);
      await new Promise<void>((resolve, reject) =>
        sqlite.run('PRAGMA journal_mode = WAL', (err) => (err ? reject(err) : resolve())),
      );
    });
    return db;
  }
  const url = new URL(options.url.replace(/^mariadb:/, 'mysql:'));
  if (options.password !== undefined) url.password = encodeURIComponent(options.password);
  return new Sequelize(url.toString().replace(/^mysql:/, 'mysql:'), {
    dialect: 'mysql',
    logging,
    models: options.bindModels === false ? [] : models,
    timezone: '+00:00',
    pool: { max: options.poolMax ?? 10, min: 0, acquire: 10_000, idle: 10_000 },
    dialectOptions: { supportBigNumbers: true, bigNumberStrings: false, connectTimeout: 5_000 },
  });
}
