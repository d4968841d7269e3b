import type { Message } from '@aws-sdk/client-sqs';
import { auditRecord, type AuditRecord } from '@ocr-jobs/audit-store';
import { auditEventSchema } from '@ocr-jobs/contracts';
import type { Logger } from '@ocr-jobs/runtime';
import type { AuditWriter } from './audit-writer';
import type { DynamoDbAvailability } from './dynamodb-availability';

export interface BatchHandlerOptions {
  writer: AuditWriter;
  availability: DynamoDbAvailability;
  logger: Logger;
  retentionDays: number;
  /** The queue's maxReceiveCount, to say in the log when a malformed message goes to the DLQ. */
  maxReceiveCount: number;
}

/** sqs-consumer's handleMessageBatch: the messages it returns are deleted, the others come back. */
export type BatchHandler = (messages: Message[]) => Promise<Message[]>;

const BODY_EXCERPT = 300;

/**
 * Handles one received batch with partial batch failure: each valid event is written once (events
 * are deduplicated by event_id, so two copies in one batch make one put), and exactly the messages
 * whose record DynamoDB stored are returned for deletion. A malformed message is not returned: SQS
 * delivers it again and after maxReceiveCount moves it to the DLQ, while the rest of its batch is
 * written and deleted.
 */
export function createBatchHandler(options: BatchHandlerOptions): BatchHandler {
  const { writer, availability, logger, retentionDays, maxReceiveCount } = options;

  return async (messages) => {
    const started = Date.now();
    const byEvent = new Map<string, { record: AuditRecord; messages: Message[] }>();
    let malformed = 0;
    let duplicates = 0;

    for (const message of messages) {
      const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
      const record = recordOf(message, retentionDays);
      if ('error' in record) {
        malformed++;
        logger.error('malformed audit event; left on the queue, SQS dead-letters it at maxReceiveCount', {
          sqs_message_id: message.MessageId,
          receive_count: receiveCount,
          max_receive_count: maxReceiveCount,
          goes_to_dlq_next: receiveCount >= maxReceiveCount,
          problem: record.error,
          body_excerpt: (message.Body ?? '').slice(0, BODY_EXCERPT),
        });
        continue;
      }
      const seen = byEvent.get(record.event_id);
      if (seen) {
        duplicates++;
        seen.messages.push(message);
        logger.info('duplicate audit event in batch; written once', {
          event_id: record.event_id,
          sqs_message_id: message.MessageId,
        });
      } else {
        byEvent.set(record.event_id, { record, messages: [message] });
      }
    }

    const outcome = await writer.write([...byEvent.values()].map((e) => e.record));
    if (outcome.unavailableError !== undefined) availability.markUnavailable(outcome.unavailableError);

    const acknowledged: Message[] = [];
    for (const [eventId, { record, messages: copies }] of byEvent) {
      const context = {
        event_id: eventId,
        action: record.action,
        tenant: record.tenant,
        job_id: record.job_id,
        item_id: record.item_id,
        sqs_message_id: copies.map((m) => m.MessageId).join(','),
        receive_count: Math.max(...copies.map((m) => Number(m.Attributes?.ApproximateReceiveCount ?? 1))),
      };
      if (outcome.written.has(eventId)) {
        acknowledged.push(...copies);
        logger.info('audit event written', context);
      } else {
        logger.warn('audit event not written; it will be delivered again', {
          ...context,
          reason: outcome.failed.get(eventId) ?? 'unprocessed',
        });
      }
    }

    logger.info('audit batch handled', {
      received: messages.length,
      written: outcome.written.size,
      duplicates,
      malformed,
      not_written: outcome.failed.size,
      acknowledged: acknowledged.length,
      duration_ms: Date.now() - started,
    });
    return acknowledged;
  };
}

/** The record for a message, or why there is none. */
function recordOf(message: Message, retentionDays: number): AuditRecord | { error: string } {
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    return { error: 'body is not JSON' };
  }
  const parsed = auditEventSchema.safeParse(body);
  if (!parsed.success) {
    return {
      error: parsed.error.issues
        .map((i: { path: PropertyKey[]; message: string }) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; '),
    };
  }
  try {
    return auditRecord(parsed.data, retentionDays);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
