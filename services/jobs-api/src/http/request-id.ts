import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '@ocr-jobs/runtime';

/**
 * A request id on the response (`X-Request-Id`; a client may bring its own) and on every log line of
 * the request, through the child logger `ctx.state.log`.
 */
export function requestId(logger: Logger): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const id = /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = id;
    ctx.state.log = logger.child({ request_id: id });
    ctx.set('X-Request-Id', id);
    await next();
  };
}
