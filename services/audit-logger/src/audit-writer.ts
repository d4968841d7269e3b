import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '@ocr-jobs/audit-store';
import { backoffDelay, sleep, type BackoffPolicy, type Logger } from '@ocr-jobs/runtime';

/** Why a record was not written. */
export type WriteFailure =
  /** DynamoDB kept handing it back as UnprocessedItems (throttling) until the attempts ran out. */
  | 'unprocessed'
  /** DynamoDB refused the record itself (ValidationException); retrying cannot help. */
  | 'rejected'
  /** DynamoDB could not be reached or failed; retrying later will. */
  | 'unavailable';

export interface WriteOutcome {
  /** event_ids whose records DynamoDB has stored. */
  written: Set<string>;
  failed: Map<string, WriteFailure>;
  /** The error that made DynamoDB unavailable, when one did. */
  unavailableError?: unknown;
}

export interface AuditWriterOptions {
  doc: DynamoDBDocumentClient;
  table: string;
  logger: Logger;
  /** BatchWriteItem calls per chunk while items come back unprocessed. */
  maxAttempts: number;
  /** Delay between those calls. */
  backoff: BackoffPolicy;
}

/** BatchWriteItem takes at most 25 put requests. */
const MAX_BATCH_WRITE = 25;

/**
 * Writes audit records with BatchWriteItem. Items DynamoDB hands back as UnprocessedItems are retried
 * with backoff, a bounded number of times. The caller learns, per event, whether it is stored, so it
 * can acknowledge exactly those messages. Records must have distinct keys (BatchWriteItem rejects a
 * request that puts one key twice).
 */
export class AuditWriter {
  constructor(private readonly options: AuditWriterOptions) {}

  async write(records: AuditRecord[]): Promise<WriteOutcome> {
    const outcome: WriteOutcome = { written: new Set(), failed: new Map() };
    for (let i = 0; i < records.length; i += MAX_BATCH_WRITE) {
      const chunk = records.slice(i, i + MAX_BATCH_WRITE);
      // Once DynamoDB is down, the rest would only fail the same way after the SDK's own retries.
      if (outcome.unavailableError !== undefined) {
        for (const r of chunk) outcome.failed.set(r.event_id, 'unavailable');
        continue;
      }
      await this.writeChunk(chunk, outcome);
    }
    return outcome;
  }

  private async writeChunk(chunk: AuditRecord[], outcome: WriteOutcome): Promise<void> {
    const { doc, table, logger } = this.options;
    let pending = chunk;
    const { maxAttempts } = this.options;
    for (let attempt = 0; attempt < maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 0) {
        const delay = backoffDelay(attempt - 1, this.options.backoff);
        logger.warn('retrying unprocessed audit records', {
          attempt: attempt + 1,
          max_attempts: maxAttempts,
          retry_in_ms: delay,
          event_ids: pending.map((r) => r.event_id),
        });
        await sleep(delay);
      }
      let unprocessed: Record<string, unknown>[];
      try {
        const result = await doc.send(
          new BatchWriteCommand({
            RequestItems: { [table]: pending.map((record) => ({ PutRequest: { Item: record } })) },
          }),
        );
        unprocessed = (result.UnprocessedItems?.[table] ?? []).map((r) => r.PutRequest?.Item ?? {});
      } catch (error) {
        if (isValidationError(error)) return this.isolateRejected(pending, outcome, error);
        outcome.unavailableError = error;
        for (const r of pending) outcome.failed.set(r.event_id, 'unavailable');
        return;
      }
      const left = new Set(unprocessed.map((item) => String(item.event_id)));
      for (const r of pending) if (!left.has(r.event_id)) outcome.written.add(r.event_id);
      pending = pending.filter((r) => left.has(r.event_id));
    }
    for (const r of pending) outcome.failed.set(r.event_id, 'unprocessed');
  }

  /** One record DynamoDB refuses fails the whole request: write one by one so only that one fails. */
  private async isolateRejected(records: AuditRecord[], outcome: WriteOutcome, error: unknown) {
    if (records.length === 1) {
      outcome.failed.set(records[0]!.event_id, 'rejected');
      this.options.logger.error('DynamoDB rejected an audit record', {
        event_id: records[0]!.event_id,
        err: error,
      });
      return;
    }
    for (const record of records) {
      if (outcome.unavailableError !== undefined) outcome.failed.set(record.event_id, 'unavailable');
      else await this.writeChunk([record], outcome);
    }
  }
}

function isValidationError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ValidationException';
}
