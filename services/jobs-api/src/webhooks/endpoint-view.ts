import type { WebhookDelivery, WebhookEndpoint } from '@ocr-jobs/db';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function endpointView(e: WebhookEndpoint) {
  return {
    id: e.id,
    url: e.url,
    events: JSON.parse(e.events) as string[],
    created_at: e.created_at.toISOString(),
    disabled_at: iso(e.disabled_at),
    disabled_reason: e.disabled_reason,
  };
}

export function deliveryView(d: WebhookDelivery) {
  return {
    id: d.id,
    event_type: d.event_type,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    next_attempt_at: iso(d.next_attempt_at),
    delivered_at: iso(d.delivered_at),
    created_at: d.created_at.toISOString(),
  };
}
