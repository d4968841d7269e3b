import { QueryTypes } from 'sequelize';
import { createTestDatabase, testDialects, type TestDatabase } from '../src';
import {
  createApiKey,
  findActiveApiKey,
  hashApiKey,
  Job,
  JobItem,
  migrate,
  pendingMigrations,
} from '@ocr-jobs/db';

describe.each(testDialects())('database on %s', (dialect) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('migrates idempotently: a second run applies nothing', async () => {
    expect(await migrate(t.db)).toEqual([]);
    expect(await pendingMigrations(t.db)).toEqual([]);
  });

  it('stores a job with items and deletes items with their job', async () => {
    // Prepare
    const job = await Job.create({
      tenant: 'acme',
      name: 'scans',
      sqs_retention_deadline: new Date(Date.now() + 1000),
    });
    await JobItem.create({
      job_id: job.id,
      s3_key: `jobs/${job.id}/a.png`,
      filename: 'a.png',
      content_type: 'image/png',
      bytes: 10,
    });

    // Act
    await Job.destroy({ where: { id: job.id } });

    // Assess
    expect(await JobItem.count({ where: { job_id: job.id } })).toBe(0);
  });

  it('keeps megabytes of OCR text intact', async () => {
    const job = await Job.create({ tenant: 'acme', name: 'big', sqs_retention_deadline: new Date() });
    const text = 'lorem ipsum dolor sit amet \u00e9\u00e8 \u4e2d\u6587\n'.repeat(120_000); // ~4.6 MB UTF-8
    const item = await JobItem.create({
      job_id: job.id,
      s3_key: 'k',
      filename: 'f',
      content_type: 'application/pdf',
      bytes: 1,
      ocr_text: text,
    });
    const reread = await JobItem.findByPk(item.id);
    expect(reread?.ocr_text?.length).toBe(text.length);
    expect(reread?.ocr_text).toBe(text);
  });

  it('refuses a status outside the allowed set at the database itself', async () => {
    const job = await Job.create({ tenant: 'acme', name: 'x', sqs_retention_deadline: new Date() });
    await expect(t.db.query(`UPDATE jobs SET status = 'BOGUS' WHERE id = '${job.id}'`)).rejects.toThrow();
    await expect(
      t.db.query(`UPDATE job_items SET status = 'LOST' WHERE job_id = '${job.id}'`),
    ).resolves.toBeDefined();
    const [row] = await t.db.query<{ status: string }>(`SELECT status FROM jobs WHERE id = '${job.id}'`, {
      type: QueryTypes.SELECT,
    });
    expect(row?.status).toBe('PENDING');
  });

  it('stores API keys by SHA-256 only and finds active ones', async () => {
    // Act
    const { key, record } = await createApiKey({ tenant: 'acme', name: 'ci' });

    // Assess
    expect(record.key_sha256).toBe(hashApiKey(key));
    const [row] = await t.db.query<Record<string, unknown>>(
      `SELECT * FROM api_keys WHERE id = '${record.id}'`,
      { type: QueryTypes.SELECT },
    );
    expect(Object.values(row ?? {})).not.toContain(key);
    expect((await findActiveApiKey(key))?.tenant).toBe('acme');
    await record.update({ revoked_at: new Date() });
    expect(await findActiveApiKey(key)).toBeNull();
    expect(await findActiveApiKey('ocrj_not-a-key')).toBeNull();
  });

  it('registers a chosen key once', async () => {
    const first = await createApiKey({ tenant: 'local', name: 'dev', key: 'dev-key-123' });
    const second = await createApiKey({ tenant: 'local', name: 'dev', key: 'dev-key-123' });
    expect(second.record.id).toBe(first.record.id);
  });
});
