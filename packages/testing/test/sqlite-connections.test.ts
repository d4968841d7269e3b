import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { createDatabase, Job, migrate, SQLITE_BUSY_TIMEOUT_MS } from '@ocr-jobs/db';

const pragma = async (db: Sequelize, name: string, transaction?: Transaction) => {
  const [row] = await db.query<Record<string, unknown>>(`PRAGMA ${name}`, {
    type: QueryTypes.SELECT,
    transaction,
  });
  return Object.values(row ?? {})[0];
};

/** One PENDING job of `tenant`, named `<tenant>-<n>`. */
const insertJob = (on: Sequelize, tenant: string, n: number, transaction: Transaction) =>
  on.query(
    `INSERT INTO jobs (id, tenant, name, status, sqs_retention_deadline, total_items, done_items, error_items, created_at, updated_at)
     VALUES (?, ?, ?, 'PENDING', ?, 0, 0, 0, ?, ?)`,
    {
      replacements: [randomUUID(), tenant, `${tenant}-${n}`, new Date(), new Date(), new Date()],
      transaction,
    },
  );

describe('SQLite connections (a real file database)', () => {
  let dir: string;
  let db: Sequelize;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-sqlite-'));
    db = createDatabase({ url: `sqlite:${path.join(dir, 'db.sqlite')}` });
    await migrate(db);
  });
  afterAll(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies WAL, the busy timeout and foreign keys on the shared connection', async () => {
    expect(await pragma(db, 'journal_mode')).toBe('wal');
    expect(await pragma(db, 'busy_timeout')).toBe(SQLITE_BUSY_TIMEOUT_MS);
    expect(await pragma(db, 'foreign_keys')).toBe(1);
    expect(await pragma(db, 'synchronous')).toBe(1); // NORMAL
  });

  it('applies them on the connection transactions use', async () => {
    const seen = await db.transaction(async (transaction) => ({
      busy: await pragma(db, 'busy_timeout', transaction),
      journal: await pragma(db, 'journal_mode', transaction),
    }));
    expect(seen).toEqual({ busy: SQLITE_BUSY_TIMEOUT_MS, journal: 'wal' });
  });

  it('runs every transaction on one connection kept open, not a new one each time', async () => {
    const connectionOf = () =>
      db.transaction(async (transaction) => (transaction as unknown as { connection: object }).connection);

    const first = await connectionOf();
    const second = await connectionOf();

    expect(second).toBe(first);
    // Still open and configured: a query on it answers.
    expect(await db.transaction((transaction) => pragma(db, 'foreign_keys', transaction))).toBe(1);
  });

  it('rolls a failed transaction back and the next one on the same connection commits', async () => {
    await expect(
      db.transaction(async (transaction) => {
        await insertJob(db, 'rollback', 1, transaction);
        throw new Error('business rule says no');
      }),
    ).rejects.toThrow('business rule says no');
    await db.transaction((transaction) => insertJob(db, 'rollback', 2, transaction));

    const names = await Job.findAll({ where: { tenant: 'rollback' }, attributes: ['name'] });
    expect(names.map((j) => j.name)).toEqual(['rollback-2']);
  });

  it("asks SQLite for a table's column types once, and again after the schema changes", async () => {
    const connection = (await db.connectionManager.getConnection({ type: 'read' })) as unknown as {
      on(event: 'trace', listener: (sql: string) => void): void;
      removeAllListeners(event: 'trace'): void;
    };
    const asked: string[] = [];
    connection.on('trace', (sql) => {
      if (sql.startsWith('PRAGMA table_info(`jobs`)')) asked.push(sql);
    });
    try {
      await Job.findAll({ limit: 1 });
      await Job.findAll({ limit: 1 });
      const beforeChange = asked.length;
      await db.query('CREATE TABLE schema_change_probe (id INTEGER)');
      await Job.findAll({ limit: 1 });

      expect([beforeChange, asked.length]).toEqual([expect.any(Number), beforeChange + 1]);
      expect(beforeChange).toBeLessThanOrEqual(1);
    } finally {
      connection.removeAllListeners('trace');
    }
  });

  it('commits many concurrent write transactions from two connections without SQLITE_BUSY', async () => {
    // Prepare: a second Sequelize instance on the same file stands for a second process.
    const other = createDatabase({ url: `sqlite:${path.join(dir, 'db.sqlite')}`, bindModels: false });
    const insert = (on: Sequelize, n: number) =>
      on.transaction(async (transaction) => {
        await insertJob(on, 'acme', n, transaction);
        await new Promise((r) => setTimeout(r, 5)); // hold the lock across an await, as services do
      });

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, n) => insert(n % 2 ? other : db, n)),
    );
    await other.close();

    // Assess
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await Job.count({ where: { tenant: 'acme' } })).toBe(60);
  });
});
