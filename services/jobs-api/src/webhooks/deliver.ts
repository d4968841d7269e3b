import type { Sequelize } from 'sequelize-typescript';
import { recordAuditEvents, WebhookDelivery, WebhookEndpoint, WebhookSecret } from '@ocr-jobs/db';
import type { Logger } from '@ocr-jobs/runtime';
import { assertAllowedUrl, RefusedDestinationError } from './address-guard';
import { retryDelaySeconds } from './retry-schedule';
import { sendWebhook, type SendResult } from './send-webhook';
import { signWebhook } from './signing';

export interface DeliverySettings {
  WEBHOOK_ALLOW_HTTP: boolean;
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: boolean;
  WEBHOOK_TIMEOUT_MS: number;
  WEBHOOK_BACKOFF_BASE_SECONDS: number;
  WEBHOOK_RETRY_WINDOW_HOURS: number;
  WEBHOOK_DISABLE_AFTER_HOURS: number;
}

/** What to do with the queue message: delete it, or let it come back after `retryInSeconds`. */
export type DeliveryDecision = { kind: 'settled' } | { kind: 'retry'; retryInSeconds: number };

const HOUR = 3_600_000;

/**
 * One attempt of one delivery: sign, POST, record the answer. 2xx delivers; 410 Gone disables the
 * endpoint; anything else is retried with backoff until the retry window (≥ 24 h) has passed, and an
 * endpoint that has failed without a single success for WEBHOOK_DISABLE_AFTER_HOURS is disabled, with an
 * audit event saying so. A delivery that is already settled is not sent again (at-least-once queue).
 */
export async function attemptDelivery(
  deps: { db: Sequelize; logger: Logger; settings: DeliverySettings },
  deliveryId: string,
  now: () => Date = () => new Date(),
): Promise<DeliveryDecision> {
  const { settings, logger } = deps;
  const delivery = await WebhookDelivery.findByPk(deliveryId);
  if (!delivery || delivery.status !== 'PENDING') return { kind: 'settled' };
  const endpoint = delivery.endpoint_id ? await WebhookEndpoint.findByPk(delivery.endpoint_id) : null;
  if (delivery.endpoint_id && (!endpoint || endpoint.disabled_at)) {
    await delivery.update({
      status: 'FAILED',
      last_error: 'endpoint deleted or disabled',
      next_attempt_at: null,
    });
    return { kind: 'settled' };
  }
  const secret = endpoint ? endpoint.secret : await tenantSecret(delivery.tenant);
  const log = {
    delivery_id: delivery.id,
    endpoint_id: delivery.endpoint_id,
    event_type: delivery.event_type,
  };

  let result: SendResult;
  try {
    const url = assertAllowedUrl(delivery.url, {
      allowHttp: settings.WEBHOOK_ALLOW_HTTP,
      allowPrivateNetworks: settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    });
    const headers = signWebhook(secret, delivery.id, delivery.payload, now());
    result = await sendWebhook(url, delivery.payload, headers, {
      timeoutMs: settings.WEBHOOK_TIMEOUT_MS,
      allowPrivateNetworks: settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    });
  } catch (error) {
    if (!(error instanceof RefusedDestinationError)) throw error;
    result = { error: error.message, durationMs: 0 };
  }
  const attempts = delivery.attempts + 1;
  const at = now();
  const code = result.statusCode ?? null;
  logger.info('webhook attempt', {
    ...log,
    attempt: attempts,
    status_code: code,
    err: result.error,
    duration_ms: result.durationMs,
  });

  if (code !== null && code >= 200 && code < 300) {
    await deps.db.transaction(async (transaction) => {
      await delivery.update(
        {
          status: 'DELIVERED',
          attempts,
          last_status_code: code,
          last_error: null,
          delivered_at: at,
          next_attempt_at: null,
        },
        { transaction },
      );
      if (endpoint?.failing_since) await endpoint.update({ failing_since: null }, { transaction });
    });
    return { kind: 'settled' };
  }

  const lastError = (result.error ?? `HTTP ${code}`).slice(0, 500);
  if (code === 410 && endpoint) {
    await disable(deps.db, endpoint, delivery, { attempts, code, lastError }, 'receiver answered 410 Gone');
    return { kind: 'settled' };
  }
  const failingSince = endpoint ? (endpoint.failing_since ?? at) : null;
  if (
    endpoint &&
    failingSince &&
    at.getTime() - failingSince.getTime() >= settings.WEBHOOK_DISABLE_AFTER_HOURS * HOUR
  ) {
    await disable(
      deps.db,
      endpoint,
      delivery,
      { attempts, code, lastError },
      `failing since ${failingSince.toISOString()}`,
    );
    return { kind: 'settled' };
  }
  const windowOver =
    at.getTime() - delivery.window_started_at.getTime() >= settings.WEBHOOK_RETRY_WINDOW_HOURS * HOUR;
  const retryInSeconds = retryDelaySeconds(attempts, settings.WEBHOOK_BACKOFF_BASE_SECONDS);
  await deps.db.transaction(async (transaction) => {
    await delivery.update(
      {
        status: windowOver ? 'FAILED' : 'PENDING',
        attempts,
        last_status_code: code,
        last_error: lastError,
        next_attempt_at: windowOver ? null : new Date(at.getTime() + retryInSeconds * 1000),
      },
      { transaction },
    );
    if (endpoint && !endpoint.failing_since)
      await endpoint.update({ failing_since: failingSince }, { transaction });
  });
  if (windowOver) logger.warn('webhook delivery gave up', { ...log, attempts });
  return windowOver ? { kind: 'settled' } : { kind: 'retry', retryInSeconds };
}

async function tenantSecret(tenant: string): Promise<string> {
  const row = await WebhookSecret.findByPk(tenant);
  // The secret is created before a job with a callback_url is accepted; a missing one is a bug.
  if (!row) throw new Error(`tenant ${tenant} has no webhook secret`);
  return row.secret;
}

async function disable(
  db: Sequelize,
  endpoint: WebhookEndpoint,
  delivery: WebhookDelivery,
  last: { attempts: number; code: number | null; lastError: string },
  reason: string,
): Promise<void> {
  await db.transaction(async (transaction) => {
    await delivery.update(
      {
        status: 'FAILED',
        attempts: last.attempts,
        last_status_code: last.code,
        last_error: last.lastError,
        next_attempt_at: null,
      },
      { transaction },
    );
    await endpoint.update({ disabled_at: new Date(), disabled_reason: reason }, { transaction });
    await recordAuditEvents(transaction, [
      {
        action: 'webhook.disabled',
        actor: 'system',
        tenant: endpoint.tenant,
        details: { endpoint_id: endpoint.id, url: endpoint.url, reason },
      },
    ]);
  });
}
