import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import { sleep, type Logger } from '@ocr-jobs/runtime';
import { Consumer } from 'sqs-consumer';
import type { BatchHandler } from './batch-handler';
import type { DynamoDbAvailability } from './dynamodb-availability';

export interface AuditConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  handler: BatchHandler;
  availability: DynamoDbAvailability;
  logger: Logger;
  /** Messages per receive (default 10, the SQS maximum). */
  batchSize?: number;
  /** Long-polling wait per receive (default 20 s). */
  waitTimeSeconds?: number;
}

/**
 * The audit queue's consumer: sqs-consumer (14.x deletes exactly the messages the handler returns)
 * with handleMessageBatch, long polling, and receives held back while DynamoDB is unavailable.
 */
export class AuditConsumer {
  private readonly consumer: Consumer;
  private readonly stopping = new AbortController();
  /** The batch being handled and deleted, if any. */
  private inFlight: Promise<void> | undefined;
  private settleInFlight: (() => void) | undefined;

  constructor(private readonly options: AuditConsumerOptions) {
    const { sqs, queueUrl, availability, logger } = options;
    this.consumer = Consumer.create({
      sqs,
      queueUrl,
      batchSize: options.batchSize ?? 10,
      waitTimeSeconds: options.waitTimeSeconds ?? 20,
      // The receive count says how close a malformed message is to the DLQ.
      messageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      handleMessageBatch: (messages) => this.handle(messages),
      preReceiveMessageCallback: () => availability.waitUntilAvailable(this.stopping.signal),
      strictReturn: true,
    });
    // A batch ends (handled and its acknowledged messages deleted, or failed) with response_processed.
    this.consumer.on('response_processed', () => this.settleInFlight?.());
    this.consumer.on('error', (error, messages) => {
      // At shutdown the pending long poll is aborted on purpose.
      if (this.stopping.signal.aborted && !messages) return;
      logger.error('audit queue error', { err: error, sqs_message_id: messageIds(messages) });
    });
    this.consumer.on('processing_error', (error, message) =>
      logger.error('audit batch failed', { err: error, sqs_message_id: message.MessageId }),
    );
  }

  start(): void {
    this.options.logger.info('consuming audit queue', { queue_url: this.options.queueUrl });
    this.consumer.start();
  }

  /**
   * Stops receiving, lets the batch in flight finish (written and deleted) within `timeoutMs`, then
   * cuts a pending long poll short. Returns whether it stopped cleanly; a batch that did not finish is
   * not lost: its messages come back after the visibility timeout.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    const { logger } = this.options;
    const started = Date.now();
    this.stopping.abort();
    this.consumer.stop();
    while (this.consumer.status.isPolling && Date.now() - started < timeoutMs) {
      if (this.inFlight) {
        const timer = new AbortController();
        await Promise.race([this.inFlight, sleep(timeoutMs - (Date.now() - started), timer.signal)]);
        timer.abort();
      }
      // Nothing in flight: only a long-poll receive is pending, and no message has been taken yet.
      else this.consumer.abortController?.abort();
      await sleep(10);
    }
    const clean = !this.inFlight;
    if (clean) logger.info('audit consumer stopped', { duration_ms: Date.now() - started });
    else
      logger.warn('audit batch still in flight at shutdown timeout; its messages will be delivered again', {
        timeout_ms: timeoutMs,
      });
    return clean;
  }

  private async handle(messages: Message[]): Promise<Message[]> {
    this.inFlight = new Promise((resolve) => {
      this.settleInFlight = () => {
        this.inFlight = undefined;
        this.settleInFlight = undefined;
        resolve();
      };
    });
    return this.options.handler(messages);
  }
}

function messageIds(messages: Message | Message[] | undefined): string | undefined {
  if (!messages) return undefined;
  return (Array.isArray(messages) ? messages : [messages]).map((m) => m.MessageId).join(',');
}
