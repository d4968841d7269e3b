import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { resourceDefinition, type AuditEvent } from '@ocr-jobs/contracts';
import { OcrJobsError } from '@ocr-jobs/runtime';

/**
 * The audit table's record layout, shared by the writer (audit-logger) and the readers (jobs-api).
 *
 *   pk     = JOB#{job_id}        (TENANT#{tenant} for events without a job: API keys, refused requests)
 *   sk     = {at}#{event_id}     time order within a job; event_id makes a redelivered event overwrite itself
 *   gsi1pk = TENANT#{tenant}     the tenant index: all events of a tenant …
 *   gsi1sk = {at}#{event_id}     … in time order, queried by range
 *   expires_at                   epoch seconds, DynamoDB TTL
 *
 * `{at}` in the keys is the event time normalised to UTC with milliseconds (`toISOString()`): the
 * contract accepts offsets and any fraction length, and only one fixed form sorts as time does.
 */
export interface AuditRecord extends AuditEvent {
  pk: string;
  sk: string;
  gsi1pk: string;
  gsi1sk: string;
  expires_at: number;
}

/** ISO-8601 in the one form the keys use, or undefined when the text is not a time. */
function normalisedTime(value: string): string | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function auditRecord(event: AuditEvent, retentionDays: number): AuditRecord {
  const at = normalisedTime(event.at);
  if (!at) throw new RangeError(`audit event ${event.event_id} has no valid time: ${event.at}`);
  const sortKey = `${at}#${event.event_id}`;
  return {
    ...event,
    pk: event.job_id ? `JOB#${event.job_id}` : `TENANT#${event.tenant}`,
    sk: sortKey,
    gsi1pk: `TENANT#${event.tenant}`,
    gsi1sk: sortKey,
    expires_at: Math.floor(Date.parse(at) / 1000) + retentionDays * 86_400,
  };
}

/** The event as clients see it: the record without its key attributes. */
function auditEventOf(record: Record<string, unknown>): AuditEvent {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, expires_at: _ttl, ...event } = record;
  return event as unknown as AuditEvent;
}

export interface AuditPage {
  data: AuditEvent[];
  next_cursor: string | null;
}

/** The cursor was not handed out by this query (garbage, another job's or tenant's, another range). */
export class InvalidCursorError extends OcrJobsError {
  constructor(message = 'cursor is not one this endpoint handed out', options?: { cause?: unknown }) {
    super('INVALID_CURSOR', message, options);
  }
}

/** `since` or `until` is not an ISO-8601 time. */
export class InvalidTimeRangeError extends OcrJobsError {
  constructor(message: string) {
    super('INVALID_TIME_RANGE', message);
  }
}

function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : null;
}

/**
 * The start key in a cursor, accepted only if it has exactly the key attributes of this query and
 * lies inside its partition (and range): DynamoDB rejects any other start key with a
 * ValidationException, which would surface as a server error instead of a bad request.
 */
function decodeCursor(
  cursor: string | undefined,
  expectedKeys: string[],
  belongs: (key: Record<string, string>) => boolean,
): Record<string, string> | undefined {
  if (!cursor) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidCursorError(undefined, { cause: error });
  }
  const valid =
    typeof key === 'object' &&
    key !== null &&
    !Array.isArray(key) &&
    Object.keys(key).length === expectedKeys.length &&
    expectedKeys.every((k) => typeof (key as Record<string, unknown>)[k] === 'string') &&
    belongs(key as Record<string, string>);
  if (!valid) throw new InvalidCursorError();
  return key as Record<string, string>;
}

/** A job's events, oldest first. */
export async function queryJobEvents(
  doc: DynamoDBDocumentClient,
  table: string,
  jobId: string,
  page: { limit: number; cursor?: string },
): Promise<AuditPage> {
  const t = resourceDefinition.auditTable;
  const partition = `JOB#${jobId}`;
  const result = await doc.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': t.partitionKey },
      ExpressionAttributeValues: { ':pk': partition },
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(
        page.cursor,
        [t.partitionKey, t.sortKey],
        (key) => key[t.partitionKey] === partition,
      ),
      ScanIndexForward: true,
    }),
  );
  return { data: (result.Items ?? []).map(auditEventOf), next_cursor: encodeCursor(result.LastEvaluatedKey) };
}

/**
 * A tenant's events with `since <= at < until` (ISO-8601, any offset), oldest first. An empty range
 * (`since >= until`) is an empty page; a value that is not a time throws {@link InvalidTimeRangeError}.
 */
export async function queryTenantEvents(
  doc: DynamoDBDocumentClient,
  table: string,
  tenant: string,
  page: { limit: number; cursor?: string; since: string; until: string },
): Promise<AuditPage> {
  const t = resourceDefinition.auditTable;
  const since = normalisedTime(page.since);
  const until = normalisedTime(page.until);
  if (!since) throw new InvalidTimeRangeError(`since is not an ISO-8601 time: ${page.since}`);
  if (!until) throw new InvalidTimeRangeError(`until is not an ISO-8601 time: ${page.until}`);
  // '#' sorts before every character an event id has, so `until#` excludes events at `until`.
  const upper = `${until}#`;
  const partition = `TENANT#${tenant}`;
  const startKey = decodeCursor(
    page.cursor,
    [t.partitionKey, t.sortKey, t.tenantIndex.partitionKey, t.tenantIndex.sortKey],
    (key) =>
      key[t.tenantIndex.partitionKey] === partition &&
      key[t.tenantIndex.sortKey]! >= since &&
      key[t.tenantIndex.sortKey]! <= upper,
  );
  // DynamoDB rejects BETWEEN with a lower bound above the upper one; the range is simply empty.
  if (since >= until) return { data: [], next_cursor: null };
  const result = await doc.send(
    new QueryCommand({
      TableName: table,
      IndexName: t.tenantIndex.name,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :since AND :until',
      ExpressionAttributeNames: { '#pk': t.tenantIndex.partitionKey, '#sk': t.tenantIndex.sortKey },
      ExpressionAttributeValues: { ':pk': partition, ':since': since, ':until': upper },
      Limit: page.limit,
      ExclusiveStartKey: startKey,
      ScanIndexForward: true,
    }),
  );
  return { data: (result.Items ?? []).map(auditEventOf), next_cursor: encodeCursor(result.LastEvaluatedKey) };
}
