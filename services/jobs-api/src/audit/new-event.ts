import { randomUUID } from 'node:crypto';
import type { AuditEventInput } from '@ocr-jobs/core';

/** An audit event stamped now with a fresh id (core's input type wants both). */
export function newAuditEvent(event: Omit<AuditEventInput, 'event_id' | 'at'>): AuditEventInput {
  return { event_id: randomUUID(), at: new Date().toISOString(), ...event };
}
