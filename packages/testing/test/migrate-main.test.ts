import { describe, expect, it } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, pendingMigrations, runMigrations } from '@ocr-jobs/db';
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
