import request from 'supertest';
import { createLogger, createTestDatabase, testDialects, type TestDatabase } from '@ocr-jobs/core';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import { createApp } from '../src/app';

describe.each(testDialects())('health and readiness on %s', (dialect) => {
  let stack: TestStack;
  let t: TestDatabase;

  beforeAll(async () => {
    [stack, t] = await Promise.all([startTestStack(), createTestDatabase(dialect)]);
  });
  afterAll(async () => {
    await t.drop();
    await stack.stop();
  });

  const app = () =>
    createApp({
      logger: createLogger('jobs-api', 'error'),
      db: t.db,
      clients: stack.clients,
      bucket: stack.names.bucket,
      queueUrls: [stack.resources.queueUrls.ocr, stack.resources.queueUrls.audit],
    }).callback();

  it('GET /healthz answers 200 with a request id', async () => {
    const res = await request(app()).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /readyz answers 200 when the database, S3 and SQS are reachable', async () => {
    const res = await request(app()).get('/readyz').set('x-request-id', 'probe-1');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe('probe-1');
    expect(res.body.checks).toMatchObject({ database: { ok: true }, s3: { ok: true }, sqs: { ok: true } });
  });

  it('GET /readyz answers 503 naming the dependency that is missing', async () => {
    const res = await request(
      createApp({
        logger: createLogger('jobs-api', 'error'),
        db: t.db,
        clients: stack.clients,
        bucket: 'no-such-bucket',
        queueUrls: [stack.resources.queueUrls.ocr],
      }).callback(),
    ).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.checks.s3.ok).toBe(false);
    expect(res.body.checks.database.ok).toBe(true);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await request(app()).get('/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'no route for GET /api/nothing-here' } });
  });
});
