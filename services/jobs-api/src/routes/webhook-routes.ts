import Router from '@koa/router';
import { z } from 'zod';
import { enqueueWebhookDelivery, recordAuditEvents, WebhookDelivery, WebhookEndpoint } from '@ocr-jobs/db';
import { validate } from '../api/validate';
import type { AppServices } from '../app-deps';
import { ApiError, notFound } from '../http/api-error';
import { assertAllowedUrl, RefusedDestinationError } from '../webhooks/address-guard';
import { deliveryView, endpointView } from '../webhooks/endpoint-view';
import { createWebhookBody, deliveryParams, webhookIdParams } from '../webhooks/schemas';
import { newWebhookSecret } from '../webhooks/signing';
import { tenantWebhookSecret } from '../webhooks/tenant-secret';

/** Endpoints per tenant; more is almost certainly a client creating one per job by mistake. */
const MAX_ENDPOINTS = 20;
const deliveriesQuery = z.object({
  limit: z.coerce.number({ message: 'expected a whole number >= 1' }).int().min(1).optional(),
});

/** /api/webhooks: the tenant's endpoints, its callback secret, and each endpoint's delivery log. */
export function webhookRoutes(services: AppServices): Router {
  const { db, settings } = services;
  const router = new Router();

  const ownedEndpoint = async (tenant: string, id: string) => {
    const endpoint = await WebhookEndpoint.findOne({ where: { id, tenant } });
    if (!endpoint) throw notFound('WEBHOOK_NOT_FOUND', `no webhook ${id}`);
    return endpoint;
  };

  router.post('/api/webhooks', async (ctx) => {
    const body = validate(createWebhookBody, ctx.request.body);
    const url = checkedUrl(body.url, settings);
    const { tenant, actor } = ctx.state.caller;
    if ((await WebhookEndpoint.count({ where: { tenant } })) >= MAX_ENDPOINTS)
      throw new ApiError(422, 'TOO_MANY_WEBHOOKS', `at most ${MAX_ENDPOINTS} webhooks per tenant`);
    const secret = newWebhookSecret();
    const events = [...new Set(body.events ?? ['job.finished'])];
    const endpoint = await db.transaction(async (transaction) => {
      const created = await WebhookEndpoint.create(
        { tenant, url: url.href, events: JSON.stringify(events), secret },
        { transaction },
      );
      await recordAuditEvents(transaction, [
        {
          action: 'webhook.created',
          actor,
          tenant,
          details: { endpoint_id: created.id, url: url.href, events },
        },
      ]);
      return created;
    });
    services.nudge();
    ctx.status = 201;
    ctx.set('Location', `/api/webhooks/${endpoint.id}`);
    ctx.body = { ...endpointView(endpoint), secret };
  });

  router.get('/api/webhooks', async (ctx) => {
    const endpoints = await WebhookEndpoint.findAll({
      where: { tenant: ctx.state.caller.tenant },
      order: [['created_at', 'ASC']],
    });
    ctx.body = { data: endpoints.map(endpointView) };
  });

  // Before /:id so that "secret" is not read as an id.
  router.get('/api/webhooks/secret', async (ctx) => {
    ctx.body = { secret: await tenantWebhookSecret(ctx.state.caller.tenant) };
  });

  router.delete('/api/webhooks/:id', async (ctx) => {
    const { id } = validate(webhookIdParams, ctx.params, 'INVALID_ID');
    const { tenant, actor } = ctx.state.caller;
    const endpoint = await ownedEndpoint(tenant, id);
    await db.transaction(async (transaction) => {
      // Deliveries go with it (their queued messages then find nothing and are dropped).
      await WebhookDelivery.destroy({ where: { endpoint_id: id }, transaction });
      await endpoint.destroy({ transaction });
      await recordAuditEvents(transaction, [
        { action: 'webhook.deleted', actor, tenant, details: { endpoint_id: id, url: endpoint.url } },
      ]);
    });
    services.nudge();
    ctx.status = 204;
  });

  router.get('/api/webhooks/:id/deliveries', async (ctx) => {
    const { id } = validate(webhookIdParams, ctx.params, 'INVALID_ID');
    const { limit } = validate(deliveriesQuery, ctx.query);
    await ownedEndpoint(ctx.state.caller.tenant, id);
    const deliveries = await WebhookDelivery.findAll({
      where: { endpoint_id: id },
      order: [
        ['created_at', 'DESC'],
        ['id', 'DESC'],
      ],
      limit: Math.min(limit ?? 50, settings.PAGE_LIMIT_MAX),
    });
    ctx.body = { data: deliveries.map(deliveryView) };
  });

  router.post('/api/webhooks/:id/deliveries/:delivery_id/redeliver', async (ctx) => {
    const { id, delivery_id } = validate(deliveryParams, ctx.params, 'INVALID_ID');
    const endpoint = await ownedEndpoint(ctx.state.caller.tenant, id);
    if (endpoint.disabled_at)
      throw new ApiError(
        409,
        'WEBHOOK_DISABLED',
        `webhook ${id} is disabled: ${endpoint.disabled_reason ?? ''}`,
      );
    const delivery = await WebhookDelivery.findOne({ where: { id: delivery_id, endpoint_id: id } });
    if (!delivery) throw notFound('DELIVERY_NOT_FOUND', `no delivery ${delivery_id}`);
    if (delivery.status === 'PENDING')
      throw new ApiError(409, 'DELIVERY_PENDING', 'the delivery is still being attempted');
    const now = new Date();
    await db.transaction(async (transaction) => {
      await delivery.update(
        { status: 'PENDING', window_started_at: now, next_attempt_at: now, delivered_at: null },
        { transaction },
      );
      await enqueueWebhookDelivery(transaction, delivery.id);
    });
    services.nudge();
    ctx.status = 202;
    ctx.body = deliveryView(delivery);
  });

  return router;
}

/** A webhook or callback URL the API accepts: https (http when allowed), not a private address. */
export function checkedUrl(
  raw: string,
  settings: { WEBHOOK_ALLOW_HTTP: boolean; WEBHOOK_ALLOW_PRIVATE_NETWORKS: boolean },
): URL {
  try {
    return assertAllowedUrl(raw, {
      allowHttp: settings.WEBHOOK_ALLOW_HTTP,
      allowPrivateNetworks: settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    });
  } catch (error) {
    if (error instanceof RefusedDestinationError)
      throw new ApiError(400, 'INVALID_WEBHOOK_URL', `url: ${error.message}`);
    throw error;
  }
}
