import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import type { AppServices } from '../app-deps';
import { buildOpenApiDocument } from '../openapi/document';
import { checkReadiness } from '../readiness';

const swaggerDir: string = (
  require('swagger-ui-dist') as { getAbsoluteFSPath(): string }
).getAbsoluteFSPath();
/** The swagger-ui files /docs serves from node_modules (no CDN). */
const DOCS_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>ocr-jobs API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"/>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png"/>
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
  persistAuthorization: true,
});
`;

/** Health, readiness, the OpenAPI document and the interactive docs: no API key needed. */
export function systemRoutes(services: AppServices): Router {
  const router = new Router();
  let document: object | undefined;

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const result = await checkReadiness({ ...services, bucket: services.settings.S3_BUCKET });
    ctx.status = result.ready ? 200 : 503;
    ctx.body = { status: result.ready ? 'ready' : 'not ready', checks: result.checks };
  });
  router.get('/openapi.json', (ctx) => {
    document ??= buildOpenApiDocument();
    ctx.body = document;
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = DOCS_PAGE;
  });
  router.get('/docs/init.js', (ctx) => {
    ctx.type = 'application/javascript; charset=utf-8';
    ctx.body = DOCS_INIT;
  });
  router.get('/docs/:asset', (ctx) => {
    const type = DOCS_ASSETS[ctx.params.asset ?? ''];
    if (!type) return; // falls through to the JSON 404
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = fs.createReadStream(path.join(swaggerDir, ctx.params.asset as string));
  });
  return router;
}
