import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { resourceDefinition } from '../resources/definition';
import type { AuditEvent } from '../contracts/audit-event';

/**
 * The audit table's record layout, shared by the writer (audit-logger) and the readers (jobs-api).
 *
 *   pk     = JOB#{job_id}        (TENANT#{tenant} for events without a job: API keys, refused requests)
 *   sk     = {at}#{event_id}     time order within a job; event_id makes a redelivered event overwrite itself
 *   gsi1pk = TENANT#{tenant}     the tenant index: all events of a tenant …
 *   gsi1sk = {at}#{event_id}     … in time order, queried by range
 *   expires_at                   epoch seconds, DynamoDB TTL
 */
export interface AuditRecord extends AuditEvent {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  expires_at: number;
}

export function auditRecord(event: AuditEvent, retentionDays: number): AuditRecord {
  const sortKey = `${event.at}#${event.event_id}`;
  return {
    ...event,
    pk: event.job_id ? `JOB#${event.job_id}` : `TENANT#${event.tenant}`,
    sk: sortKey,
    gsi1pk: `TENANT#${event.tenant}`,
    gsi1sk: sortKey,
    expires_at: Math.floor(Date.parse(event.at) / 1000) + retentionDays * 86_400,
  };
}

/** The event as clients see it: the record without its key attributes. */
export function auditEventOf(record: Record<string, unknown>): AuditEvent {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, expires_at: _ttl, ...event } = record;
  return event as unknown as AuditEvent;
}

export interface AuditPage {
  data: AuditEvent[];
  next_cursor: string | null;
}

export class InvalidCursorError extends Error {
  readonly code = 'INVALID_CURSOR';
}

function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : null;
}

function decodeCursor(
  cursor: string | undefined,
  expectedKeys: string[],
): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof key !== 'object' || key === null || expectedKeys.some((k) => typeof key[k] !== 'string'))
      throw new Error('shape');
    return key;
  } catch {
    throw new InvalidCursorError('cursor is not one this endpoint handed out');
  }
}

/** A job's events, oldest first. */
export async function queryJobEvents(
  doc: DynamoDBDocumentClient,
  table: string,
  jobId: string,
  page: { limit: number; cursor?: string },
): Promise<AuditPage> {
  const t = resourceDefinition.auditTable;
  const result = await doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': t.partitionKey },
      ExpressionAttributeValues: { ':pk': `JOB#${jobId}` },
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, [t.partitionKey, t.sortKey]),
      ScanIndexForward: true,
    }),
  );
  return { data: (result.Items ?? []).map(auditEventOf), next_cursor: encodeCursor(result.LastEvaluatedKey) };
}

/** A tenant's events with `since <= at < until` (ISO-8601 UTC), oldest first. */
export async function queryTenantEvents(
  doc: DynamoDBDocumentClient,
  table: string,
  tenant: string,
  page: { limit: number; cursor?: string; since: string; until: string },
): Promise<AuditPage> {
  const t = resourceDefinition.auditTable;
  const result = await doc.send(
    new QueryCommand({
      TableName: table,
      IndexName: t.tenantIndex.name,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :since AND :until',
      ExpressionAttributeNames: { '#pk': t.tenantIndex.partitionKey, '#sk': t.tenantIndex.sortKey },
      // '#' sorts before every character an event id has, so `until#` excludes events at `until`.
      ExpressionAttributeValues: {
        ':pk': `TENANT#${tenant}`,
        ':since': page.since,
        ':until': `${page.until}#`,
      },
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, [
        t.partitionKey,
        t.sortKey,
        t.tenantIndex.partitionKey,
        t.tenantIndex.sortKey,
      ]),
      ScanIndexForward: true,
    }),
  );
  return { data: (result.Items ?? []).map(auditEventOf), next_cursor: encodeCursor(result.LastEvaluatedKey) };
}
