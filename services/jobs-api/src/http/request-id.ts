import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '@ocr-jobs/runtime';

/**
 * Request id on every log line and response (`X-Request-Id`; a client may bring its own), and one
 * access log line per request with its duration.
 */
export function requestContext(logger: Logger): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ request_id: requestId });
    ctx.set('X-Request-Id', requestId);
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
