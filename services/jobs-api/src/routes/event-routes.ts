import Router from '@koa/router';
import { InvalidCursorError, queryJobEvents, queryTenantEvents } from '@ocr-jobs/audit-store';
import { DependencyError } from '@ocr-jobs/runtime';
import { jobIdParams, pageQuery, tenantEventsQuery } from '../api/schemas';
import { validate } from '../api/validate';
import type { AppServices } from '../app-deps';
import { badRequest } from '../http/api-error';
import { findOwnedJob } from '../jobs/job-queries';

/** The audit trail, read from the audit table (written by audit-logger from the audit queue). */
export function eventRoutes(services: AppServices): Router {
  const { clients, settings } = services;
  const table = settings.AUDIT_TABLE_NAME;
  const router = new Router();

  router.get('/api/jobs/:id/events', async (ctx) => {
    const { id } = validate(jobIdParams, ctx.params, 'INVALID_ID');
    const query = validate(pageQuery, ctx.query);
    await findOwnedJob(ctx.state.caller.tenant, id);
    const limit = Math.min(query.limit ?? 50, settings.PAGE_LIMIT_MAX);
    ctx.body = await readAudit(() =>
      queryJobEvents(clients.dynamodbDocument, table, id, { limit, cursor: query.cursor }),
    );
  });

  router.get('/api/events', async (ctx) => {
    const query = validate(tenantEventsQuery, ctx.query);
    // Stored times are UTC with milliseconds (toISOString); range bounds must compare alike.
    const since = new Date(query.since).toISOString();
    const until = new Date(query.until).toISOString();
    if (since >= until) throw badRequest('VALIDATION_FAILED', 'since must be before until');
    const tenant = ctx.state.caller.tenant;
    const limit = Math.min(query.limit ?? 50, settings.PAGE_LIMIT_MAX);
    ctx.body = await readAudit(() =>
      queryTenantEvents(clients.dynamodbDocument, table, tenant, {
        limit,
        cursor: query.cursor,
        since,
        until,
      }),
    );
  });

  return router;
}

/**
 * A bad cursor is the client's error (400): core refuses one that names another job's or tenant's
 * partition (InvalidCursorError); anything else from DynamoDB is an outage (503).
 */
async function readAudit<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    if (error instanceof InvalidCursorError) throw error;
    // A cursor that decodes but names no position of this query.
    if ((error as { name?: string }).name === 'ValidationException')
      throw badRequest('INVALID_CURSOR', 'cursor is not one this endpoint handed out');
    throw new DependencyError('dynamodb', 'audit query failed', { cause: error });
  }
}
