import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDatabase } from '@ocr-jobs/db';
import { createTestDatabase, testDialects, type TestDatabase } from '@ocr-jobs/testing';
import { QueryTypes } from 'sequelize';
import { runApiKeyCli } from '../src/cli/apikey';

describe.each(testDialects())('the apikey CLI on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });

  /** Runs the CLI in-process against the test database; raw SQL checks what it wrote. */
  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runApiKeyCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, database.url);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  const rows = <T extends object>(sql: string, replacements: unknown[] = []) =>
    database.db.query<T>(sql, { replacements, type: QueryTypes.SELECT });

  let keyId = '';

  it('creates a key, prints it as the last word and stores only its SHA-256', async () => {
    const result = await cli('create', '--tenant', 'acme', '--name', 'ci pipeline');
    expect(result.code).toBe(0);
    const key = result.out.trim().split(/\s+/).pop() as string;
    expect(key).toMatch(/^ocrj_[\w-]{43}$/);
    const stored = await rows<{ id: string; tenant: string; name: string; key_sha256: string }>(
      'SELECT * FROM api_keys',
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      tenant: 'acme',
      name: 'ci pipeline',
      key_sha256: createHash('sha256').update(key).digest('hex'),
    });
    expect(JSON.stringify(stored)).not.toContain(key);
    keyId = stored[0]!.id;
    const events = await rows<{ body: string }>("SELECT body FROM outbox WHERE destination = 'audit'");
    expect(events.map((e) => JSON.parse(e.body))).toEqual([
      expect.objectContaining({
        action: 'api_key.created',
        tenant: 'acme',
        details: { api_key_id: keyId, name: 'ci pipeline' },
      }),
    ]);
  });

  it('lists keys without the keys themselves', async () => {
    await cli('create', '--tenant', 'other', '--name', 'second');
    const all = await cli('list');
    expect(all.out.split('\n')).toHaveLength(2);
    expect(all.out).toContain(keyId);
    expect(all.out).toContain('active');
    const one = await cli('list', '--tenant', 'acme');
    expect(one.out.split('\n')).toHaveLength(1);
  });

  it('revokes a key and records api_key.revoked', async () => {
    const result = await cli('revoke', keyId);
    expect(result.code).toBe(0);
    const [row] = await rows<{ revoked_at: unknown }>('SELECT revoked_at FROM api_keys WHERE id = ?', [
      keyId,
    ]);
    expect(row?.revoked_at).not.toBeNull();
    const events = await rows<{ body: string }>(
      "SELECT body FROM outbox WHERE destination = 'audit' ORDER BY id",
    );
    expect(JSON.parse(events[events.length - 1]!.body)).toMatchObject({
      action: 'api_key.revoked',
      tenant: 'acme',
    });
    expect((await cli('list', '--tenant', 'acme')).out).toContain('revoked');
    expect((await cli('revoke', keyId)).out).toContain('already revoked');
  });

  it('refuses bad input with a message and exit code 1', async () => {
    const missing = await cli('create', '--tenant', 'acme');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("required option '--name <name>' not specified");
    const badTenant = await cli('create', '--tenant', 'has spaces', '--name', 'x');
    expect(badTenant.code).toBe(1);
    expect(badTenant.err).toContain('--tenant');
    const unknown = await cli('revoke', '00000000-0000-4000-8000-000000000000');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no API key');
  });
});

describe('the apikey CLI on a database nobody migrated', () => {
  it('changes nothing and says how to migrate, with exit code 1', async () => {
    // Prepare: an empty SQLite file; the CLI, like the services, has data rights only.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-jobs-cli-'));
    const url = `sqlite:${path.join(dir, 'empty.sqlite')}`;
    const err: string[] = [];

    // Act
    const code = await runApiKeyCli(['list'], { out: () => undefined, err: (l) => err.push(l) }, url);

    // Assess
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/not migrated \(pending: 001-initial-schema.*\).*migration task/);
    const db = createDatabase({ url });
    try {
      expect(await db.getQueryInterface().showAllTables()).not.toContain('api_keys');
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
