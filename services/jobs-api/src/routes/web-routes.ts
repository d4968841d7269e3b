import fs from 'node:fs';
import path from 'node:path';
import type Koa from 'koa';
import Router from '@koa/router';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AppServices } from '../app-deps';

/** The files of the web page (packages/web, built by `npm run build`) and their types. */
const PAGE_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'application/javascript; charset=utf-8',
  'app.js.map': 'application/json; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/** Where the built page goes (the image carries it too), or undefined when packages/web is not installed. */
export function findWebDir(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve('@ocr-jobs/web/package.json')), 'dist');
  } catch {
    return undefined;
  }
}

/**
 * Only what the page uses: its own script and stylesheet, calls to this API, and PUTs to the bucket's
 * origin for presigned uploads (found by presigning a URL, so it is exactly where uploads go).
 */
export function pageCsp(uploadOrigin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${uploadOrigin}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** GET / (the page) and its assets, with a strict Content-Security-Policy. No API key needed. */
export function webRoutes(services: AppServices, webDir = findWebDir()): Router {
  const router = new Router();
  let csp: Promise<string> | undefined;
  const policy = () =>
    (csp ??= getSignedUrl(
      services.presigner,
      new PutObjectCommand({ Bucket: services.settings.S3_BUCKET, Key: 'uploads/csp-probe' }),
      { expiresIn: 60 },
    ).then((url) => pageCsp(new URL(url).origin)));

  const serve = (file: string) => async (ctx: Koa.Context) => {
    // Checked per request, so a build made while the API runs is served without a restart.
    if (!webDir || !fs.existsSync(path.join(webDir, 'index.html'))) {
      ctx.status = 404;
      ctx.body = {
        error: { code: 'PAGE_NOT_BUILT', message: 'the web page is not built: run npm run build' },
      };
      return;
    }
    ctx.type = PAGE_FILES[file] as string;
    ctx.set('Content-Security-Policy', await policy());
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    // The page is small and changes with every build: revalidate rather than cache stale code.
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = fs.createReadStream(path.join(webDir, file));
  };
  router.get('/', serve('index.html'));
  for (const file of Object.keys(PAGE_FILES)) router.get(`/${file}`, serve(file));
  return router;
}
