import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createDatabase, migrations, type Migration } from '@ocr-jobs/db';
import { QueryTypes } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { createEmptyDatabase, testDialects, type EmptyDatabase } from '../src';

const upTo = (name: string) =>
  migrations.slice(
    0,
    migrations.findIndex((m) => m.name === name),
  );
const webhooks = migrations.find((m) => m.name === '005-webhooks') as Migration;

describe.each(testDialects())('migration 005-webhooks on %s', (dialect) => {
  let database: EmptyDatabase;
  let db: Sequelize;
  const outboxRow = (destination: string) =>
    db.query(`INSERT INTO outbox (destination, body, created_at, available_at) VALUES (?, '{}', ?, ?)`, {
      replacements: [destination, new Date(), new Date()],
    });
  // The rebuild keeps the relay's lease columns and its claim index (003-outbox-lease).
  const expectLeaseKept = async () => {
    const columns = Object.keys(await db.getQueryInterface().describeTable('outbox'));
    expect(columns).toEqual(expect.arrayContaining(['claimed_by', 'claimed_until']));
    const indexes = (await db.getQueryInterface().showIndex('outbox')) as { name: string }[];
    expect(indexes.map((i) => i.name)).toContain('outbox_due');
  };
  const rows = (sql: string) => db.query<Record<string, unknown>>(sql, { type: QueryTypes.SELECT });

  // Prepare: a database deployed before 004, with an outbox message waiting to be sent.
  beforeEach(async () => {
    database = await createEmptyDatabase(dialect);
    db = createDatabase({ url: database.url, bindModels: false });
    for (const m of upTo('005-webhooks')) await m.up({ context: db.getQueryInterface() });
    await outboxRow('ocr');
  });
  afterEach(async () => {
    await db.close();
    await database.drop();
  });

  it('adds the webhook tables and destination, keeping waiting outbox messages', async () => {
    // Act
    await webhooks.up({ context: db.getQueryInterface() });

    // Assess
    const tables = await db.getQueryInterface().showAllTables();
    expect(tables).toEqual(
      expect.arrayContaining(['webhook_endpoints', 'webhook_secrets', 'webhook_deliveries']),
    );
    expect(Object.keys(await db.getQueryInterface().describeTable('jobs'))).toContain('callback_url');
    expect(await rows('SELECT destination FROM outbox')).toEqual([{ destination: 'ocr' }]);
    await outboxRow('webhook');
    await expect(outboxRow('nowhere')).rejects.toThrow();
    // The next id continues after the copied rows (AUTO_INCREMENT survives the rebuild).
    expect((await rows('SELECT id FROM outbox ORDER BY id')).map((r) => Number(r.id))).toEqual([1, 2]);
    await expectLeaseKept();
  });

  it('is undone by its down migration', async () => {
    // Act
    await webhooks.up({ context: db.getQueryInterface() });
    await outboxRow('webhook');
    await webhooks.down({ context: db.getQueryInterface() });

    // Assess
    expect(await db.getQueryInterface().showAllTables()).not.toContain('webhook_endpoints');
    expect(Object.keys(await db.getQueryInterface().describeTable('jobs'))).not.toContain('callback_url');
    expect(await rows('SELECT destination FROM outbox')).toEqual([{ destination: 'ocr' }]);
    await expect(outboxRow('webhook')).rejects.toThrow();
    await expectLeaseKept();
  });
});
