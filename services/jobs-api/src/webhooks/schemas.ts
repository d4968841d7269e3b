import { z } from 'zod';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '@ocr-jobs/db';
import { ITEM_STATUSES, JOB_STATUSES } from '@ocr-jobs/contracts';

/** Requests and responses of /api/webhooks, and the payloads receivers get (OpenAPI `webhooks`). */

export const webhookUrl = z
  .string({ message: 'expected a URL' })
  .max(2048, { message: 'must be at most 2048 characters' })
  .meta({ example: 'https://hooks.example.com/ocr' });

export const createWebhookBody = z
  .object({
    url: webhookUrl,
    events: z
      .array(z.enum(WEBHOOK_EVENT_TYPES), { message: `expected a list of ${WEBHOOK_EVENT_TYPES.join(', ')}` })
      .min(1, { message: 'must name at least one event' })
      .optional()
      .meta({ description: 'Events to receive (default: job.finished only)' }),
  })
  .meta({ id: 'CreateWebhook' });

const endpointFields = {
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  created_at: z.iso.datetime(),
  disabled_at: z.iso.datetime().nullable(),
  disabled_reason: z.string().nullable(),
};
export const webhookEndpoint = z.object(endpointFields).meta({ id: 'WebhookEndpoint' });
export const createdWebhookEndpoint = z
  .object({
    ...endpointFields,
    secret: z.string().meta({ description: 'Standard Webhooks secret; shown only here', example: 'whsec_…' }),
  })
  .meta({ id: 'CreatedWebhookEndpoint' });
export const webhookList = z.object({ data: z.array(webhookEndpoint) }).meta({ id: 'WebhookList' });
export const tenantSecret = z
  .object({ secret: z.string().meta({ description: "Signs deliveries to jobs' callback_url" }) })
  .meta({ id: 'WebhookTenantSecret' });

export const webhookIdParams = z.object({ id: z.uuid({ message: 'expected a UUID' }) });
export const deliveryParams = z.object({
  id: z.uuid({ message: 'expected a UUID' }),
  delivery_id: z.uuid({ message: 'expected a UUID' }),
});

export const webhookDelivery = z
  .object({
    id: z.uuid().meta({ description: 'Also the webhook-id header: the same on every attempt' }),
    event_type: z.enum(WEBHOOK_EVENT_TYPES),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    next_attempt_at: z.iso.datetime().nullable(),
    delivered_at: z.iso.datetime().nullable(),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'WebhookDelivery' });
export const deliveryList = z.object({ data: z.array(webhookDelivery) }).meta({ id: 'WebhookDeliveryList' });

const envelope = <T extends z.ZodType>(type: string, data: T) =>
  z.object({
    type: z.literal(type),
    version: z.literal(1).meta({ description: 'Payload version; fields are only ever added within one' }),
    timestamp: z.iso.datetime(),
    data,
  });

export const jobFinishedPayload = envelope(
  'job.finished',
  z.object({
    job_id: z.uuid(),
    name: z.string(),
    status: z.enum(JOB_STATUSES),
    total_items: z.number().int(),
    done_items: z.number().int(),
    error_items: z.number().int(),
    links: z
      .object({ job: z.string(), result_txt: z.string(), result_zip: z.string() })
      .meta({ description: 'Paths under the API origin' }),
  }),
).meta({ id: 'JobFinishedEvent' });

export const itemFinishedPayload = envelope(
  'item.finished',
  z.object({
    job_id: z.uuid(),
    item_id: z.uuid(),
    filename: z.string(),
    status: z.enum(ITEM_STATUSES),
    confidence: z.number().nullable(),
    error: z.string().nullable(),
    links: z.object({ result: z.string() }),
  }),
).meta({ id: 'ItemFinishedEvent' });

export const signatureHeaders = z.object({
  'webhook-id': z.string().meta({ description: 'Delivery id, the same on every attempt: drop repeats' }),
  'webhook-timestamp': z.string().meta({ description: 'Unix seconds of this attempt' }),
  'webhook-signature': z.string().meta({ description: 'v1,<base64 HMAC-SHA256 of id.timestamp.body>' }),
});
