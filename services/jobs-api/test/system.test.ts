import { describe, expect, it } from '@jest/globals';
import { testDialects } from '@ocr-jobs/testing';
import { harnessForSuite } from './support/harness';

describe.each(testDialects())('health, docs, CORS and request ids on %s', (dialect) => {
  const h = harnessForSuite(dialect);

  it('answers /healthz and /readyz without a key', async () => {
    expect((await h.api().get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await h.api().get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(Object.keys(ready.body.checks).sort()).toEqual(['database', 's3', 'sqs']);
  });

  it('serves an OpenAPI 3.1 document generated from the request schemas', async () => {
    const res = await h.api().get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths).sort()).toEqual(
      [
        '/api/events',
        '/api/jobs',
        '/api/jobs/{id}',
        '/api/jobs/{id}/events',
        '/api/jobs/{id}/items/{item_id}',
        '/api/jobs/{id}/items/{item_id}/reprocess',
        '/api/jobs/{id}/result',
        '/api/jobs/{id}/retry',
        '/api/jobs/{id}/stream',
        '/api/languages',
        '/api/uploads',
        '/api/webhooks',
        '/api/webhooks/secret',
        '/api/webhooks/{id}',
        '/api/webhooks/{id}/deliveries',
        '/api/webhooks/{id}/deliveries/{delivery_id}/redeliver',
        '/healthz',
        '/readyz',
      ].sort(),
    );
    expect(res.body.components.securitySchemes.ApiKey).toEqual({
      type: 'apiKey',
      in: 'header',
      name: 'x-api-key',
    });
    const job = res.body.components.schemas.JobDetail;
    expect(job.required).toEqual(expect.arrayContaining(['id', 'progress_percent', 'items', 'expires_at']));
    // The same limits that validate the request.
    expect(res.body.components.schemas.RenameJob.properties.name).toMatchObject({
      minLength: 1,
      maxLength: 255,
    });
    const list = res.body.paths['/api/jobs'].get.parameters.map((p: { name: string }) => p.name);
    expect(list.sort()).toEqual(['cursor', 'has_errors', 'limit', 'status']);
    expect(Object.keys(res.body.paths['/api/jobs'].post.requestBody.content).sort()).toEqual([
      'application/json',
      'multipart/form-data',
    ]);
  });

  it('serves interactive docs from local files, no CDN', async () => {
    const page = await h.api().get('/docs');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html');
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(sources.every((s) => s.startsWith('/docs/'))).toBe(true);
    for (const source of sources) {
      const asset = await h.api().get(source).buffer(true);
      expect(asset.status).toBe(200);
    }
    expect((await h.api().get('/docs/init.js')).text).toContain("url: '/openapi.json'");
    expect((await h.api().get('/docs/../package.json')).status).toBe(404);
    expect((await h.api().get('/docs/index.html')).status).toBe(404);
  });

  it('answers CORS only for allowlisted origins', async () => {
    const allowed = await h
      .api()
      .options('/api/jobs')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'x-api-key, idempotency-key');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(allowed.headers['access-control-allow-headers']).toContain('x-api-key');

    const other = await h
      .api()
      .get('/api/jobs')
      .set('Origin', 'https://evil.example.com')
      .set('x-api-key', h.keys.a);
    expect(other.status).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await h
      .api()
      .get('/api/jobs')
      .set('Origin', 'https://app.example.com')
      .set('x-api-key', h.keys.a);
    expect(simple.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(simple.headers['access-control-expose-headers']).toContain('x-request-id');
  });

  it('echoes a valid X-Request-Id and makes one up otherwise, on errors too', async () => {
    const mine = await h.api().get('/api/jobs').set('x-request-id', 'abc-123');
    expect(mine.status).toBe(401);
    expect(mine.headers['x-request-id']).toBe('abc-123');
    const made = await h.api().get('/healthz').set('x-request-id', 'bad id with spaces');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
