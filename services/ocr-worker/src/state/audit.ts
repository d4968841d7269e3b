import { randomUUID } from 'node:crypto';
import type { AuditEventInput } from '@ocr-jobs/core';

/** An audit event with its id and time filled in (core's input type asks for both). */
export function auditEvent(event: Omit<AuditEventInput, 'event_id' | 'at'>): AuditEventInput {
  return { event_id: randomUUID(), at: new Date().toISOString(), ...event };
}
