import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import Router from '@koa/router';
import type { Logger } from '@ocr-jobs/core';
import { checkReadiness, type ReadinessDeps } from './readiness';

export interface AppDeps extends ReadinessDeps {
  logger: Logger;
}

declare module 'koa' {
  interface DefaultState {
    requestId: string;
    log: Logger;
  }
}

/** The Koa application; everything it needs comes in `deps`, so tests build it against the stand-ins. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;

  // Request id on every log line and response; a client may bring its own.
  app.use(async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = deps.logger.child({ request_id: requestId });
    ctx.set('X-Request-Id', requestId);
    const started = Date.now();
    try {
      await next();
    } finally {
      ctx.state.log.info('request', {
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        duration_ms: Date.now() - started,
      });
    }
  });

  // One error hook: every failure becomes JSON {error:{code,message}}; only unexpected ones are 500.
  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = { error: { code: 'NOT_FOUND', message: `no route for ${ctx.method} ${ctx.path}` } };
      }
    } catch (error) {
      const err = error as { status?: number; expose?: boolean; code?: string; message?: string };
      const status = err.status && err.status >= 400 && err.status < 600 ? err.status : 500;
      ctx.status = status;
      ctx.body = {
        error: {
          code: err.code ?? (status === 500 ? 'INTERNAL' : 'ERROR'),
          message: status < 500 || err.expose ? (err.message ?? 'error') : 'internal error',
        },
      };
      if (status >= 500) ctx.state.log.error('request failed', { err: error });
    }
  });

  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const result = await checkReadiness(deps);
    ctx.status = result.ready ? 200 : 503;
    ctx.body = { status: result.ready ? 'ready' : 'not ready', checks: result.checks };
  });
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}
