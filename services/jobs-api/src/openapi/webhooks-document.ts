import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import * as s from '../api/schemas';
import { authErrors, error, json, security } from './responses';
import * as w from '../webhooks/schemas';

const tags = ['webhooks'];

/** /api/webhooks, the job stream, and the OpenAPI 3.1 `webhooks` section (what receivers get). */
export function registerWebhookDocs(r: OpenAPIRegistry): void {
  r.registerPath({
    method: 'post',
    path: '/api/webhooks',
    operationId: 'createWebhook',
    tags,
    summary: 'Register a webhook endpoint; its signing secret is returned only here',
    security,
    request: { body: { content: { 'application/json': { schema: w.createWebhookBody } } } },
    responses: {
      201: json(w.createdWebhookEndpoint, 'The endpoint, with its Standard Webhooks secret'),
      400: error('Invalid URL (https only; no private, loopback or metadata addresses) or events'),
      422: error('Too many endpoints for this tenant'),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'get',
    path: '/api/webhooks',
    operationId: 'listWebhooks',
    tags,
    summary: "The tenant's webhook endpoints (without secrets)",
    security,
    responses: { 200: json(w.webhookList, 'The endpoints'), ...authErrors },
  });
  r.registerPath({
    method: 'get',
    path: '/api/webhooks/secret',
    operationId: 'getWebhookTenantSecret',
    tags,
    summary: "The tenant's secret that signs deliveries to a job's callback_url",
    security,
    responses: { 200: json(w.tenantSecret, 'The secret'), ...authErrors },
  });
  r.registerPath({
    method: 'delete',
    path: '/api/webhooks/{id}',
    operationId: 'deleteWebhook',
    tags,
    summary: 'Delete an endpoint and its delivery log',
    security,
    request: { params: w.webhookIdParams },
    responses: {
      204: { description: 'Deleted' },
      400: error('Not a UUID'),
      404: error('No such endpoint'),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'get',
    path: '/api/webhooks/{id}/deliveries',
    operationId: 'listWebhookDeliveries',
    tags,
    summary: "An endpoint's deliveries, newest first",
    security,
    request: { params: w.webhookIdParams },
    responses: {
      200: json(w.deliveryList, 'Status, attempts, last response code and next attempt of each delivery'),
      400: error('Not a UUID or bad limit'),
      404: error('No such endpoint'),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'post',
    path: '/api/webhooks/{id}/deliveries/{delivery_id}/redeliver',
    operationId: 'redeliverWebhook',
    tags,
    summary: 'Send a delivered or failed delivery again (same webhook-id), with a fresh retry window',
    security,
    request: { params: w.deliveryParams },
    responses: {
      202: json(w.webhookDelivery, 'Queued'),
      400: error('Not a UUID'),
      404: error('No such endpoint or delivery'),
      409: error('The endpoint is disabled (WEBHOOK_DISABLED) or the delivery is still pending'),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'get',
    path: '/api/jobs/{id}/stream',
    operationId: 'streamJobProgress',
    tags: ['jobs'],
    summary: "A job's progress as server-sent events: progress, finished (then the stream ends)",
    description:
      'Events `progress` (on every change of status or finished items) and `finished` carry ' +
      '{job_id, status, total_items, done_items, error_items, progress_percent}; `deleted` if the job ' +
      'is deleted meanwhile. A comment line every 15 s keeps proxies from closing an idle stream.',
    security,
    request: { params: s.jobIdParams },
    responses: {
      200: {
        description: 'The event stream',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      },
      400: error('Not a UUID'),
      404: error('No such job'),
      ...authErrors,
    },
  });

  const receiverResponses = {
    200: { description: 'Any 2xx: delivered' },
    410: { description: 'Gone: the endpoint is disabled and gets nothing more' },
  };
  r.registerWebhook({
    method: 'post',
    path: 'job.finished',
    operationId: 'jobFinishedWebhook',
    tags,
    summary: 'A job reached DONE or ERROR (endpoints that opted in, and the job callback_url)',
    description:
      'Signed per Standard Webhooks. Delivered at least once: drop repeats by webhook-id. Other answers ' +
      'are retried with exponential backoff and jitter for at least 24 h; redirects are not followed. ' +
      'DONE: at least one item was read (error_items says how many failed); ERROR: every item failed. ' +
      'After a retry or reprocess the job finishes again and a new job.finished (a new webhook-id) ' +
      'carries its new status and counts.',
    request: {
      headers: w.signatureHeaders,
      body: { content: { 'application/json': { schema: w.jobFinishedPayload } } },
    },
    responses: receiverResponses,
  });
  r.registerWebhook({
    method: 'post',
    path: 'item.finished',
    operationId: 'itemFinishedWebhook',
    tags,
    summary: 'One item of a job finished (DONE or ERROR), for endpoints that opted in',
    request: {
      headers: w.signatureHeaders,
      body: { content: { 'application/json': { schema: w.itemFinishedPayload } } },
    },
    responses: receiverResponses,
  });
}
