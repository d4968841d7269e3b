import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createDatabase, pendingMigrations } from '../src';
import { runMigrations } from '../src/migrate-main';

/** An empty database (nothing migrated yet) and a way to remove it. */
async function emptyDatabase(dialect: 'sqlite' | 'mysql') {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-jobs-migrate-'));
    return {
      url: `sqlite:${path.join(dir, 'db.sqlite')}`,
      drop: async () => fs.rmSync(dir, { recursive: true }),
    };
  }
  const server = process.env.TEST_MYSQL_URL!;
  const name = `ocr_migrate_${randomBytes(6).toString('hex')}`;
  const admin = createDatabase({ url: server });
  await admin.query(`CREATE DATABASE \`${name}\``);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.close();
    },
  };
}

const dialects = process.env.TEST_MYSQL_URL ? (['sqlite', 'mysql'] as const) : (['sqlite'] as const);

describe.each(dialects)('the migration task entry point on %s', (dialect) => {
  it('applies every pending migration on the first run and nothing on the second', async () => {
    // Prepare
    const database = await emptyDatabase(dialect);
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
