import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createDatabase, migrations, type Migration } from '@ocr-jobs/db';
import { QueryTypes } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { createEmptyDatabase, testDialects, type EmptyDatabase } from '../src';

const migration = (name: string) => migrations.find((m) => m.name === name) as Migration;
const initialSchema = migration('001-initial-schema');
const jobsTenantColumn = migration('002-jobs-tenant-column');

describe.each(testDialects())('migration 002-jobs-tenant-column on %s', (dialect) => {
  let database: EmptyDatabase;
  let db: Sequelize;

  // Prepare: the schema of migration 001 with a job and its item, as a database deployed before 002 has.
  beforeEach(async () => {
    database = await createEmptyDatabase(dialect);
    db = createDatabase({ url: database.url, bindModels: false });
    await initialSchema.up({ context: db.getQueryInterface() });
    await db.query(
      `INSERT INTO jobs (id, owner, name, status, created_at, updated_at, sqs_retention_deadline)
       VALUES ('11111111-1111-4111-8111-111111111111', 'acme', 'scan', 'PENDING', ?, ?, ?)`,
      { replacements: [new Date(), new Date(), new Date()] },
    );
    await db.query(
      `INSERT INTO job_items (id, job_id, s3_key, filename, content_type, bytes, status, created_at, updated_at)
       VALUES ('22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111',
               'jobs/a/b.png', 'b.png', 'image/png', 10, 'PENDING', ?, ?)`,
      { replacements: [new Date(), new Date()] },
    );
  });
  afterEach(async () => {
    await db.close();
    await database.drop();
  });

  const columns = async () => Object.keys(await db.getQueryInterface().describeTable('jobs'));
  const indexNames = async () =>
    ((await db.getQueryInterface().showIndex('jobs')) as Array<{ name: string }>).map((i) => i.name);
  const rows = (sql: string) => db.query<Record<string, unknown>>(sql, { type: QueryTypes.SELECT });

  it('renames owner to tenant and its indexes, keeping every job and item', async () => {
    // Act
    await jobsTenantColumn.up({ context: db.getQueryInterface() });

    // Assess
    expect(await columns()).toContain('tenant');
    expect(await columns()).not.toContain('owner');
    expect(await rows('SELECT id, tenant FROM jobs')).toEqual([
      { id: '11111111-1111-4111-8111-111111111111', tenant: 'acme' },
    ]);
    expect(await rows('SELECT id FROM job_items')).toHaveLength(1);
    expect(await indexNames()).toEqual(
      expect.arrayContaining(['jobs_tenant_created', 'jobs_tenant_status_created']),
    );
    expect(await indexNames()).not.toContain('jobs_owner_created');
  });

  it('is undone by its down migration', async () => {
    // Act
    await jobsTenantColumn.up({ context: db.getQueryInterface() });
    await jobsTenantColumn.down({ context: db.getQueryInterface() });

    // Assess
    expect(await columns()).toContain('owner');
    expect(await rows('SELECT owner FROM jobs')).toEqual([{ owner: 'acme' }]);
    expect(await indexNames()).toEqual(
      expect.arrayContaining(['jobs_owner_created', 'jobs_owner_status_created']),
    );
  });
});
