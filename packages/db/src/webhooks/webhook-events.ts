import { randomUUID } from 'node:crypto';
import { Op, type Transaction } from 'sequelize';
import { OutboxMessage } from '../models/outbox-message.model';
import { WebhookDelivery } from '../models/webhook-delivery.model';
import { WebhookEndpoint } from '../models/webhook-endpoint.model';

export const WEBHOOK_EVENT_TYPES = ['job.finished', 'item.finished'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The payload version; bumped only for a change a receiver must know about (fields are only added). */
export const WEBHOOK_PAYLOAD_VERSION = 1;

export interface WebhookEvent {
  tenant: string;
  type: WebhookEventType;
  data: Record<string, unknown>;
  /** The job's own callback URL, which receives its `job.finished`. */
  callbackUrl?: string | null;
}

/** The body of a webhook queue message: which delivery to attempt. */
export interface WebhookQueueMessage {
  delivery_id: string;
}

/** Queues a delivery's next attempt through the outbox (same transaction as the caller's change). */
export async function enqueueWebhookDelivery(transaction: Transaction, deliveryId: string): Promise<void> {
  const body: WebhookQueueMessage = { delivery_id: deliveryId };
  await OutboxMessage.create(
    { destination: 'webhook', body: JSON.stringify(body), attributes: null, available_at: new Date() },
    { transaction },
  );
}

/**
 * Records an event for every enabled endpoint of the tenant that opted into it (and the job's
 * callback URL for `job.finished`): one delivery row and one outbox message each, in the caller's
 * transaction, so the change that caused the event and its deliveries commit together.
 */
export async function enqueueWebhookEvent(transaction: Transaction, event: WebhookEvent): Promise<number> {
  const endpoints = await WebhookEndpoint.findAll({
    where: { tenant: event.tenant, disabled_at: { [Op.is]: null } },
    transaction,
  });
  const targets: { endpointId: string | null; url: string }[] = endpoints
    .filter((e) => (JSON.parse(e.events) as string[]).includes(event.type))
    .map((e) => ({ endpointId: e.id, url: e.url }));
  if (event.callbackUrl && event.type === 'job.finished')
    targets.push({ endpointId: null, url: event.callbackUrl });
  const now = new Date();
  for (const target of targets) {
    const id = randomUUID();
    const payload = {
      type: event.type,
      version: WEBHOOK_PAYLOAD_VERSION,
      timestamp: now.toISOString(),
      data: event.data,
    };
    await WebhookDelivery.create(
      {
        id,
        tenant: event.tenant,
        endpoint_id: target.endpointId,
        url: target.url,
        event_type: event.type,
        payload: JSON.stringify(payload),
        window_started_at: now,
        next_attempt_at: now,
      },
      { transaction },
    );
    await enqueueWebhookDelivery(transaction, id);
  }
  return targets.length;
}
