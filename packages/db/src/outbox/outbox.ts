import { randomUUID } from 'node:crypto';
import type { Transaction } from 'sequelize';
import {
  auditEventSchema,
  ocrMessageSchema,
  TRACEPARENT_ATTRIBUTE,
  type AuditEvent,
  type AuditEventInput,
  type OcrMessage,
} from '@ocr-jobs/contracts';
import { OutboxMessage } from '../models/outbox-message.model';

/**
 * Writing to the outbox is how every message leaves this system: the row is written in the same
 * transaction as the change it announces, so a committed change always gets its message, and a
 * rolled-back one never does. The relay sends it afterwards.
 */
export async function enqueueOcrMessages(
  transaction: Transaction,
  messages: OcrMessage[],
  traceparent?: string,
): Promise<void> {
  const now = new Date();
  const attributes = traceparent ? JSON.stringify({ [TRACEPARENT_ATTRIBUTE]: traceparent }) : null;
  await OutboxMessage.bulkCreate(
    messages.map((m) => ({
      destination: 'ocr' as const,
      body: JSON.stringify(ocrMessageSchema.parse(m)),
      attributes,
      available_at: now,
    })),
    { transaction },
  );
}

/** An audit event to record: `event_id` and `at` are filled in when missing. */
export type NewAuditEvent = Omit<AuditEventInput, 'event_id' | 'at'> &
  Partial<Pick<AuditEventInput, 'event_id' | 'at'>>;

/** Records audit events in the outbox; `event_id` and `at` are filled in when missing. */
export async function recordAuditEvents(
  transaction: Transaction | null,
  events: NewAuditEvent[],
): Promise<AuditEvent[]> {
  const now = new Date();
  const parsed = events.map((e) =>
    auditEventSchema.parse({ ...e, event_id: e.event_id ?? randomUUID(), at: e.at ?? now.toISOString() }),
  );
  await OutboxMessage.bulkCreate(
    parsed.map((e) => ({
      destination: 'audit' as const,
      body: JSON.stringify(e),
      attributes: null,
      available_at: now,
    })),
    { transaction },
  );
  return parsed;
}
