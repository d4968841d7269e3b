import type { Middleware } from 'koa';

/** One access log line per request with its outcome and duration. Runs after requestId (it sets ctx.state.log). */
export function accessLog(): Middleware {
  return async (ctx, next) => {
    const started = Date.now();
    try {
      await next();
    } finally {
      ctx.state.log.info('request', {
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        tenant: ctx.state.caller?.tenant,
        duration_ms: Date.now() - started,
      });
    }
  };
}
