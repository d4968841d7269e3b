import Koa from 'koa';
import Router from '@koa/router';
import cors from '@koa/cors';
import pLimit from 'p-limit';
import { bodyParser } from '@koa/bodyparser';
import { declaredLanguages } from '@ocr-jobs/runtime';
import type { AppDeps, AppServices } from './app-deps';
import { accessLog } from './http/access-log';
import { ApiError, badRequest } from './http/api-error';
import { requireApiKey } from './http/auth';
import { errorHandler } from './http/error-handler';
import { requestId } from './http/request-id';
import './http/context';
import { eventRoutes } from './routes/event-routes';
import { jobRoutes } from './routes/job-routes';
import { languageRoutes } from './routes/language-routes';
import { systemRoutes } from './routes/system-routes';
import { streamRoutes } from './routes/stream-routes';
import { uploadRoutes } from './routes/upload-routes';
import { webRoutes } from './routes/web-routes';
import { webhookRoutes } from './routes/webhook-routes';
import { createPresigner } from './uploads/presigned-uploads';

export type { AppDeps } from './app-deps';

/** The Koa application; everything it needs comes in `deps`, so tests build it against the stand-ins. */
export function createApp(deps: AppDeps): Koa {
  const services: AppServices = {
    ...deps,
    presigner: createPresigner(deps.clients.s3),
    uploadSlots: pLimit(deps.settings.UPLOAD_CONCURRENCY),
    languages: declaredLanguages(deps.settings),
    nudge: () => deps.nudgeOutbox?.(),
  };
  const app = new Koa();
  app.proxy = true;
  // Errors are answered and logged by errorHandler; Koa's default handler would print them again.
  app.silent = true;

  app.use(requestId(deps.logger));
  app.use(accessLog());
  app.use(errorHandler());
  app.use(corsFor(deps.settings.CORS_ORIGINS));

  const system = systemRoutes(services);
  app.use(system.routes()).use(system.allowedMethods());
  const page = webRoutes(services);
  app.use(page.routes()).use(page.allowedMethods());

  const api = new Router();
  api.use('/api', requireApiKey({ nudge: services.nudge }));
  // JSON bodies only; multipart is streamed by POST /api/jobs itself.
  api.use(
    '/api',
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: '1mb',
      encoding: 'utf-8',
      onError: (error) => {
        if ((error as { status?: number }).status === 413)
          throw new ApiError(413, 'BODY_TOO_LARGE', 'the JSON body is larger than 1 MiB');
        throw badRequest('INVALID_JSON', `the body is not valid JSON: ${error.message}`);
      },
    }),
  );
  for (const routes of [
    jobRoutes(services),
    uploadRoutes(services),
    eventRoutes(services),
    webhookRoutes(services),
    streamRoutes(services),
    languageRoutes(services),
  ])
    api.use(routes.routes(), routes.allowedMethods({ throw: false }));
  app.use(api.routes()).use(api.allowedMethods());
  return app;
}

/** CORS answers only for allowlisted origins; other origins get no CORS headers at all. */
function corsFor(origins: string[]) {
  const allowed = new Set(origins);
  return cors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return allowed.has(origin) ? origin : '';
    },
    allowHeaders: ['x-api-key', 'content-type', 'idempotency-key', 'x-request-id', 'traceparent'],
    exposeHeaders: [
      'x-request-id',
      'location',
      'idempotency-replayed',
      'content-disposition',
      'omitted-items',
    ],
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
    maxAge: 600,
  });
}
