import type { Middleware } from 'koa';
import { toHttpError } from './api-error';

/**
 * The one error hook: every failure becomes JSON `{error:{code,message}}`. Client errors are logged
 * at info, dependency outages at warn, the unexpected at error with the whole cause chain.
 */
export function errorHandler(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      const unanswered = ctx.body === undefined || ctx.body === null;
      const status = ctx.status;
      // Setting a body resets Koa's status to 200, so the status is set again after it.
      if (unanswered && status === 404) {
        ctx.body = { error: { code: 'NOT_FOUND', message: `no route for ${ctx.method} ${ctx.path}` } };
        ctx.status = status;
      } else if (unanswered && (status === 405 || status === 501)) {
        ctx.body = {
          error: { code: 'METHOD_NOT_ALLOWED', message: `${ctx.method} is not allowed on ${ctx.path}` },
        };
        ctx.status = status;
      }
    } catch (error) {
      const { status, code, message } = toHttpError(error);
      ctx.status = status;
      ctx.body = { error: { code, message } };
      // Headers set for a response that is no longer sent (e.g. Content-Disposition) must not leak.
      ctx.remove('Content-Disposition');
      if (status >= 500 && status !== 503) ctx.state.log.error('request failed', { err: error, code });
      else if (status === 503) ctx.state.log.warn('dependency unavailable', { err: error, code });
      else ctx.state.log.info('request refused', { code, message });
    }
  };
}
