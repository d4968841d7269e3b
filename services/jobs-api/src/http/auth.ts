import type { Middleware } from 'koa';
import { findActiveApiKey, hashApiKey, recordAuditEvents } from '@ocr-jobs/db';
import type { Logger } from '@ocr-jobs/runtime';
import { ApiError } from './api-error';

export interface AuthOptions {
  /** Wakes the outbox relay after an event was written. */
  nudge: () => void;
}

/**
 * Every /api route needs `x-api-key`. The caller's tenant is what every query is scoped by. A refused
 * request is audited (`auth.refused`) in the background: writing it never delays or fails the answer.
 */
export function requireApiKey(options: AuthOptions): Middleware {
  return async (ctx, next) => {
    const key = ctx.get('x-api-key');
    if (!key) {
      refuse(ctx.state.log, options, {
        reason: 'missing',
        path: ctx.path,
        ip: ctx.ip,
        requestId: ctx.state.requestId,
      });
      throw new ApiError(401, 'MISSING_API_KEY', 'the x-api-key header is required');
    }
    const record = await findActiveApiKey(key);
    if (!record) {
      refuse(ctx.state.log, options, {
        reason: 'invalid_or_revoked',
        keySha256Prefix: hashApiKey(key).slice(0, 12),
        path: ctx.path,
        ip: ctx.ip,
        requestId: ctx.state.requestId,
      });
      throw new ApiError(401, 'INVALID_API_KEY', 'the API key is not valid or has been revoked');
    }
    ctx.state.caller = { tenant: record.tenant, apiKeyId: record.id, actor: `api_key:${record.id}` };
    ctx.state.log = ctx.state.log.child({ tenant: record.tenant });
    await next();
  };
}

function refuse(
  log: Logger,
  options: AuthOptions,
  what: { reason: string; keySha256Prefix?: string; path: string; ip: string; requestId: string },
): void {
  const details: Record<string, unknown> = { reason: what.reason, path: what.path, ip: what.ip };
  if (what.keySha256Prefix) details.key_sha256_prefix = what.keySha256Prefix;
  void recordAuditEvents(null, [
    {
      action: 'auth.refused',
      actor: 'anonymous',
      tenant: 'anonymous',
      request_id: what.requestId,
      details,
    },
  ]).then(
    () => options.nudge(),
    (error: unknown) => log.warn('could not record auth.refused', { err: error }),
  );
}
