import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Sequelize } from 'sequelize-typescript';
import { ocrMessageSchema } from '@ocr-jobs/contracts';
import type { Logger } from '@ocr-jobs/runtime';
import { failDeadLetteredItem, findStrandedItems, recoverItem } from './stranded-items';

export interface ReconcilerOptions {
  db: Sequelize;
  sqs: SQSClient;
  ocrQueueUrl: string;
  bucket: string;
  logger: Logger;
  intervalMs: number;
  /** An item untouched for this long, while the OCR queue holds no message at all, is stranded. */
  quietMs: number;
  maxRedrives: number;
  /** Called after a commit that wrote outbox rows (lets the relay send them at once). */
  onChanged?: () => void;
}

/**
 * Finds OCR work that can no longer progress and settles it, every `intervalMs`:
 *
 * 1. Dead letters: a message in the OCR dead-letter queue was received maxReceiveCount times without
 *    an answer (the worker died with it). Its item ends ERROR with `item.failed`; then the dead letter
 *    is deleted. Nothing can race this: SQS moved the message, so no live copy is left.
 * 2. Lost messages: only when the OCR queue holds no message at all (visible, in flight or delayed),
 *    unfinished items untouched for `quietMs` with no unsent outbox row have no message anywhere.
 *    Their message is re-sent through the outbox (bounded by `maxRedrives`, then ERROR). A healthy
 *    item always has its message counted in the queue, or its outbox row unsent, so it is not picked;
 *    and should SQS's approximate counts lag, the re-sent message is only a duplicate, which job-progress.ts
 *    ignores (it moves an item out of PENDING/PROCESSING once).
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private deadLetterUrl: Promise<string | undefined> | undefined;

  constructor(private readonly options: ReconcilerOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running = this.running.then(async () => {
        await this.sweep();
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass; failures are logged and retried on the next pass. */
  async sweep(): Promise<{ deadLettered: number; redriven: number; failed: number }> {
    const counts = { deadLettered: 0, redriven: 0, failed: 0 };
    const { logger } = this.options;
    // Each path on its own: one failing (say, no permission on the DLQ) must not stop the other.
    try {
      counts.deadLettered = await this.settleDeadLetters();
    } catch (error) {
      logger.warn('dead-letter reconciliation failed; will retry', { err: error });
    }
    try {
      if (await this.queueIsEmpty()) Object.assign(counts, await this.recoverStranded());
    } catch (error) {
      logger.warn('stranded-item reconciliation failed; will retry', { err: error });
    }
    if (counts.deadLettered + counts.redriven + counts.failed > 0) this.options.onChanged?.();
    return counts;
  }

  private async settleDeadLetters(): Promise<number> {
    const { sqs, db, logger } = this.options;
    const url = await this.resolveDeadLetterUrl();
    if (!url) return 0;
    let settled = 0;
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 60,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      if (Messages.length === 0) return settled;
      for (const message of Messages) {
        const parsed = ocrMessageSchema.safeParse(safeJson(message.Body));
        const log = logger.child({ sqs_message_id: message.MessageId });
        if (parsed.success) {
          const ref = { jobId: parsed.data.job_id, itemId: parsed.data.item_id, run: parsed.data.run ?? 0 };
          const receives = Number(message.Attributes?.ApproximateReceiveCount ?? 0);
          const applied = await failDeadLetteredItem(db, ref, receives);
          log.warn(applied ? 'dead-lettered item failed' : 'dead letter of a finished item dropped', {
            job_id: ref.jobId,
            item_id: ref.itemId,
            run: ref.run,
            receive_count: receives,
          });
          if (applied) settled++;
        } else {
          log.error('malformed dead letter dropped', { body: message.Body?.slice(0, 200) });
        }
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
      }
    }
  }

  private async queueIsEmpty(): Promise<boolean> {
    const { Attributes = {} } = await this.options.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.options.ocrQueueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return Object.values(Attributes).every((count) => Number(count) === 0);
  }

  private async recoverStranded(): Promise<{ redriven: number; failed: number }> {
    const { db, logger, quietMs, bucket, maxRedrives } = this.options;
    let redriven = 0;
    let failed = 0;
    for (const item of await findStrandedItems(quietMs)) {
      const outcome = await recoverItem(db, item, { bucket, maxRedrives });
      const ids = { job_id: item.job_id, item_id: item.id, s3_key: item.s3_key, status: item.status };
      if (outcome.action === 'redriven') {
        redriven++;
        logger.warn('stranded item re-sent', { ...ids, redrives: outcome.redrives });
      } else if (outcome.action === 'failed') {
        failed++;
        logger.error('stranded item failed', { ...ids, reason: outcome.reason });
      }
    }
    return { redriven, failed };
  }

  /** The OCR queue's dead-letter queue, from its redrive policy (so it follows the deployment). */
  private resolveDeadLetterUrl(): Promise<string | undefined> {
    this.deadLetterUrl ??= (async () => {
      const { Attributes } = await this.options.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.options.ocrQueueUrl,
          AttributeNames: ['RedrivePolicy'],
        }),
      );
      const arn = Attributes?.RedrivePolicy
        ? (JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn
        : undefined;
      const name = arn?.split(':').pop();
      if (!name) return undefined;
      const { QueueUrl } = await this.options.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      return QueueUrl;
    })().catch((error: unknown) => {
      this.deadLetterUrl = undefined;
      throw error;
    });
    return this.deadLetterUrl;
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
