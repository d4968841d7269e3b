import { z } from 'zod';

export const AUDIT_ACTIONS = [
  'job.created',
  'job.renamed',
  'job.deleted',
  'job.finished',
  'job.expired',
  'job.retried',
  'item.started',
  'item.done',
  'item.failed',
  'item.requeued',
  'item.reprocess_requested',
  'api_key.created',
  'api_key.revoked',
  'auth.refused',
  'webhook.created',
  'webhook.deleted',
  'webhook.disabled',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * An audit event on the audit queue. The audit-logger writes it to DynamoDB idempotently: `event_id`
 * is part of the key, so a redelivered event overwrites itself. `tenant` is added to the design's
 * fields so a tenant's events can be listed.
 */
export const auditEventSchema = z.object({
  event_id: z.uuid(),
  at: z.iso.datetime({ offset: true }),
  action: z.enum(AUDIT_ACTIONS),
  /** Who: `api_key:{id}`, `worker`, `system`, or `anonymous` for refused requests. */
  actor: z.string().min(1).max(200),
  tenant: z.string().min(1).max(64),
  job_id: z.uuid().optional(),
  item_id: z.uuid().optional(),
  request_id: z.string().max(200).optional(),
  details: z.record(z.string(), z.unknown()).default({}),
});

export type AuditEvent = z.infer<typeof auditEventSchema>;
export type AuditEventInput = z.input<typeof auditEventSchema>;
