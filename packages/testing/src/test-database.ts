import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, migrate, type Dialect } from '@ocr-jobs/db';
import type { Sequelize } from 'sequelize-typescript';

export interface TestDatabase {
  dialect: Dialect;
  /** DATABASE_URL for a service under test. */
  url: string;
  /** A migrated connection for the test's own assertions. */
  db: Sequelize;
  drop(): Promise<void>;
}

/**
 * The dialects a database test runs on: SQLite always, MySQL too when TEST_MYSQL_URL is set
 * (.ci/run sets it to the MariaDB on 127.0.0.1:3306). Use with `describe.each(testDialects())`.
 */
export function testDialects(): Dialect[] {
  return process.env.TEST_MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];
}

/** A fresh database with nothing in it yet, and a way to remove it. */
export interface EmptyDatabase {
  /** DATABASE_URL of the database. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of its own: a temporary SQLite file, or a new MySQL database on TEST_MYSQL_URL's server. */
export async function createEmptyDatabase(dialect: Dialect): Promise<EmptyDatabase> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-jobs-test-'));
    return {
      url: `sqlite:${path.join(dir, 'test.sqlite')}`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const serverUrl = process.env.TEST_MYSQL_URL;
  if (!serverUrl)
    throw new Error(
      'TEST_MYSQL_URL is not set: MySQL tests need a server, e.g. mysql://root@127.0.0.1:3306/test',
    );
  const name = `ocr_test_${randomBytes(6).toString('hex')}`;
  const admin = createDatabase({ url: serverUrl, bindModels: false });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.close();
    },
  };
}

/** A fresh, migrated database of its own (see {@link createEmptyDatabase}); drop() removes it. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const empty = await createEmptyDatabase(dialect);
  const db = createDatabase({ url: empty.url });
  await migrate(db);
  return {
    dialect,
    url: empty.url,
    db,
    async drop() {
      await db.close();
      await empty.drop();
    },
  };
}
