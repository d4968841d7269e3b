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

/** A fresh, migrated database of its own: a temporary SQLite file, or a new MySQL database that drop() removes. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const suffix = randomBytes(6).toString('hex');
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-jobs-test-'));
    const url = `sqlite:${path.join(dir, 'test.sqlite')}`;
    const db = createDatabase({ url });
    await migrate(db);
    return {
      dialect,
      url,
      db,
      async drop() {
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const serverUrl = process.env.TEST_MYSQL_URL;
  if (!serverUrl)
    throw new Error(
      'TEST_MYSQL_URL is not set: MySQL tests need a server, e.g. mysql://root@127.0.0.1:3306/test',
    );
  const name = `ocr_test_${suffix}`;
  const admin = createDatabase({ url: serverUrl, bindModels: false });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = createDatabase({ url: url.toString() });
  await migrate(db);
  return {
    dialect,
    url: url.toString(),
    db,
    async drop() {
      await db.close();
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.close();
    },
  };
}
