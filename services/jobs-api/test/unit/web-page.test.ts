import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import request from 'supertest';
import { S3Client } from '@aws-sdk/client-s3';
import type { AppServices } from '../../src/app-deps';
import { webRoutes } from '../../src/routes/web-routes';

function appWith(webDir: string) {
  const presigner = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:4566',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const services = { presigner, settings: { S3_BUCKET: 'files' } } as unknown as AppServices;
  const router = webRoutes(services, webDir);
  return new Koa().use(router.routes()).use(router.allowedMethods()).callback();
}

describe('the web page route', () => {
  it('serves the built page and its assets with a CSP of self plus the bucket origin', async () => {
    // Prepare
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-dist-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>ocr-jobs</title>');
    fs.writeFileSync(path.join(dir, 'app.js'), 'console.log(1)');

    // Act
    const page = await request(appWith(dir)).get('/');
    const script = await request(appWith(dir)).get('/app.js');

    // Assess
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<title>ocr-jobs</title>');
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self' http://127.0.0.1:4566; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(script.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(script.text).toBe('console.log(1)');
  });

  it('answers a JSON 404 saying how to build it when the page is not built', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'web-dist-'));
    const res = await request(appWith(empty)).get('/');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: 'PAGE_NOT_BUILT', message: 'the web page is not built: run npm run build' },
    });
  });
});
