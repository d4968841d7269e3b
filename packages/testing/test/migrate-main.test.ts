import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, hashApiKey, pendingMigrations, runMigrations } from '@ocr-jobs/db';
import { createEmptyDatabase, testDialects } from '../src';

describe.each(testDialects())('the migration task entry point on %s', (dialect) => {
  it('applies every pending migration on the first run and nothing on the second', async () => {
    // Prepare
    const database = await createEmptyDatabase(dialect);
    try {
      // Act
      const first = await runMigrations({ DATABASE_URL: database.url, LOG_LEVEL: 'error' });
      const second = await runMigrations({ DATABASE_URL: database.url, LOG_LEVEL: 'error' });
      // Assess
      expect(first.length).toBeGreaterThan(0);
      expect(second).toEqual([]);
      const db = createDatabase({ url: database.url });
      expect(await pendingMigrations(db)).toEqual([]);
      await db.close();
    } finally {
      await database.drop();
    }
  });
});

describe('the migration task entry point', () => {
  it('rejects, naming the variable, when DATABASE_URL is not a database URL', async () => {
    await expect(runMigrations({ DATABASE_URL: 'postgres://nope' })).rejects.toThrow(/DATABASE_URL/);
  });

  it('rejects when the database cannot be opened', async () => {
    // Prepare: a regular file where the SQLite file's directory should be
    const blocked = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-jobs-migrate-')), 'file');
    fs.writeFileSync(blocked, '');
    // Act / Assess
    await expect(
      runMigrations({ DATABASE_URL: `sqlite:${blocked}/db.sqlite`, LOG_LEVEL: 'error' }),
    ).rejects.toThrow();
  });
});

// MySQL only: SQLite has no users.
describe('the migration task on mysql, as the admin user', () => {
  it('creates the services user with data rights only and registers the bootstrap key by its hash', async () => {
    // Prepare
    const database = await createEmptyDatabase('mysql');
    const user = `app_${randomBytes(4).toString('hex')}`;
    const key = `ocrj_${randomBytes(16).toString('hex')}`;
    const admin = createDatabase({ url: process.env.TEST_MYSQL_URL!, bindModels: false });
    try {
      // Act
      await runMigrations({
        DATABASE_URL: database.url,
        LOG_LEVEL: 'error',
        DATABASE_APP_USER: user,
        DATABASE_APP_PASSWORD: 'app-password-1',
        BOOTSTRAP_API_KEY: key,
      });
      // Assess: the user reads and writes data, and cannot change the schema.
      const asApp = new URL(database.url);
      asApp.username = user;
      asApp.password = 'app-password-1';
      const app = createDatabase({ url: asApp.toString(), bindModels: false });
      try {
        const [rows] = (await app.query('SELECT tenant, name, key_sha256 FROM api_keys')) as [
          Array<Record<string, string>>,
          unknown,
        ];
        expect(rows).toEqual([{ tenant: 'operator', name: 'bootstrap', key_sha256: hashApiKey(key) }]);
        await expect(app.query('CREATE TABLE intruder (id INT)')).rejects.toThrow(/denied/i);
        await expect(app.query('DROP TABLE jobs')).rejects.toThrow(/denied/i);
      } finally {
        await app.close();
      }
      // A second run (next deploy, rotated secret) sets the new password.
      await runMigrations({
        DATABASE_URL: database.url,
        LOG_LEVEL: 'error',
        DATABASE_APP_USER: user,
        DATABASE_APP_PASSWORD: 'app-password-2',
        BOOTSTRAP_API_KEY: key,
      });
      asApp.password = 'app-password-2';
      const rotated = createDatabase({ url: asApp.toString(), bindModels: false });
      await expect(rotated.query('SELECT COUNT(*) FROM api_keys')).resolves.toBeDefined();
      await rotated.close();
    } finally {
      await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await admin.close();
      await database.drop();
    }
  });
});
