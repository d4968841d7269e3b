import http from 'node:http';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createApiKey, createDatabase } from '@ocr-jobs/db';
import { createLogger } from '@ocr-jobs/runtime';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import { createTestDatabase, TcpProxy, type TestDatabase } from '@ocr-jobs/testing';
import type { Sequelize } from 'sequelize-typescript';
import supertest from 'supertest';
import { createApp } from '../src/app';
import { png } from './support/fixtures';

// A database outage needs a database server to lose: this runs where MySQL is configured (always in CI).
const mysqlUrl = process.env.TEST_MYSQL_URL;
(mysqlUrl ? describe : describe.skip)('when the database goes away (MySQL behind a proxy)', () => {
  let stack: TestStack;
  let t: TestDatabase;
  let proxy: TcpProxy;
  let db: Sequelize;
  let server: http.Server;
  let key: string;

  beforeAll(async () => {
    [stack, t] = await Promise.all([startTestStack(), createTestDatabase('mysql')]);
    const direct = new URL(t.url);
    proxy = new TcpProxy({ host: direct.hostname, port: Number(direct.port || 3306) });
    await proxy.open();
    const proxied = new URL(t.url);
    proxied.port = String(proxy.port);
    db = createDatabase({ url: proxied.toString() });
    key = (await createApiKey({ tenant: 'tenant-a', name: 'outage' })).key;
    const app = createApp({
      logger: Object.assign(createLogger('jobs-api-test', 'error'), { silent: true }),
      db,
      clients: stack.serviceClients,
      settings: {
        S3_BUCKET: stack.names.bucket,
        AUDIT_TABLE_NAME: stack.names.auditTable,
        MAX_FILES: 5,
        MAX_FILE_BYTES: 1024 * 1024,
        MAX_TOTAL_BYTES: 4 * 1024 * 1024,
        MAX_IMAGE_PIXELS: 1_000_000,
        CORS_ORIGINS: [],
        UPLOAD_CONCURRENCY: 4,
        UPLOAD_URL_TTL_SECONDS: 900,
        PAGE_LIMIT_MAX: 100,
        IDEMPOTENCY_TTL_HOURS: 24,
        WEBHOOK_ALLOW_HTTP: true,
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: true,
        STREAM_POLL_MS: 200,
        STREAM_HEARTBEAT_MS: 15_000,
        JOB_PDF_MAX_BYTES: 100 * 1024 * 1024,
        // As infra passes them: the API needs no models to know what the workers read.
        OCR_LANGUAGES: ['eng', 'por', 'spa'],
        OCR_DEFAULT_LANGUAGES: 'eng',
        OCR_MODEL: 'best',
        OCR_TESSDATA_DIR: '/usr/share/tesseract-ocr/5/tessdata',
      },
      queueUrls: [stack.resources.queueUrls.ocr, stack.resources.queueUrls.audit],
      nudgeOutbox: () => undefined,
    });
    server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }, 120_000);

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await proxy.close();
    await db.close();
    await Promise.all([stack.stop(), t.drop()]);
  });

  const api = () => supertest(server);
  const storedFiles = async () =>
    (await stack.clients.s3.send(new ListObjectsV2Command({ Bucket: stack.names.bucket, Prefix: 'jobs/' })))
      .KeyCount ?? 0;

  it('works through the proxy while the database is up', async () => {
    const res = await api()
      .post('/api/jobs')
      .set('x-api-key', key)
      .field('name', 'before')
      .attach('images', png(10, 10), 'a.png');
    expect(res.status).toBe(201);
  });

  it('answers 503 DATABASE_UNAVAILABLE, keeps no file of a refused job, and says not ready', async () => {
    // Prepare
    const filesBefore = await storedFiles();
    await proxy.close();

    // Act
    const list = await api().get('/api/jobs').set('x-api-key', key);
    const create = await api()
      .post('/api/jobs')
      .set('x-api-key', key)
      .field('name', 'during')
      .attach('images', png(10, 10), 'b.png');
    const ready = await api().get('/readyz');

    // Assess
    expect(list.status).toBe(503);
    expect(list.body.error.code).toBe('DATABASE_UNAVAILABLE');
    expect(create.status).toBe(503);
    expect(await storedFiles()).toBe(filesBefore);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database.ok).toBe(false);
    expect(ready.body.checks.s3.ok).toBe(true);
  });

  it('serves again once the database is back, with the earlier job intact', async () => {
    await proxy.open();
    const res = await api().get('/api/jobs').set('x-api-key', key);
    expect(res.status).toBe(200);
    expect(res.body.data.map((j: { name: string }) => j.name)).toEqual(['before']);
  });
});
