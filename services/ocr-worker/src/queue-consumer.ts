import { ChangeMessageVisibilityCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import type { Logger } from '@ocr-jobs/runtime';
import { ShutdownAbortError } from './errors';
import type { ItemProcessor } from './item-processor';

export interface QueueConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  processor: ItemProcessor;
  logger: Logger;
  /** Pollers, each holding one message at a time. */
  concurrency: number;
  visibilityTimeoutS: number;
  heartbeatIntervalS: number;
  retryDelayS: number;
  waitTimeS: number;
}

/**
 * N independent sqs-consumer pollers with batch size 1, so a slow item never holds back the others
 * (sqs-consumer waits for a whole batch before it polls again). A message is deleted only when the
 * handler returns it (sqs-consumer ~14.2); a thrown error leaves it for redelivery after the retry
 * delay, and the heartbeat keeps a long item's message invisible.
 */
export class QueueConsumer {
  private readonly pollers: Consumer[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly shutdown = new AbortController();
  private draining = false;

  constructor(private readonly options: QueueConsumerOptions) {}

  start(): void {
    const o = this.options;
    for (let i = 0; i < o.concurrency; i++) {
      const poller = Consumer.create({
        queueUrl: o.queueUrl,
        sqs: o.sqs,
        batchSize: 1,
        waitTimeSeconds: o.waitTimeS,
        // stop() then waits for the poll under way (and its message) instead of abandoning it.
        pollingCompleteWaitTimeMs: (o.waitTimeS + 5) * 1000,
        visibilityTimeout: o.visibilityTimeoutS,
        heartbeatInterval: o.heartbeatIntervalS,
        // 0 must be passed as `true` (sqs-consumer treats 0 as "leave the visibility alone").
        terminateVisibilityTimeout: o.retryDelayS === 0 ? true : o.retryDelayS,
        messageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        messageAttributeNames: ['traceparent'],
        handleMessage: (message) => this.handle(message),
      });
      poller.on('error', (err) => o.logger.warn('SQS error', { err }));
      poller.on('processing_error', (err, message) =>
        o.logger.debug('item left for redelivery', {
          sqs_message_id: (message as Message | undefined)?.MessageId,
          err,
        }),
      );
      poller.start();
      this.pollers.push(poller);
    }
  }

  /**
   * Stops polling and lets in-flight items finish within `timeoutMs`; items still running then are
   * aborted (their engine worker terminated) and their messages released for another worker.
   */
  async stop(timeoutMs: number): Promise<{ released: boolean }> {
    this.draining = true;
    // Long polls are not aborted: SQS may already have handed them messages, which an aborted
    // request would strand until their visibility timeout. They end within OCR_WAIT_TIME_S, and
    // whatever they bring is released at once (see handle()).
    const stopped = this.pollers.map(
      (poller) => new Promise<void>((resolve) => poller.once('stopped', () => resolve())),
    );
    for (const poller of this.pollers) poller.stop();
    const settled = Promise.allSettled([...this.inFlight]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      settled.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.shutdown.abort(new ShutdownAbortError());
      await Promise.allSettled([...this.inFlight]);
    }
    await Promise.all(stopped);
    return { released: timedOut };
  }

  private async handle(message: Message): Promise<Message | undefined> {
    if (this.draining) {
      // Received by a long poll that was under way when shutdown began.
      await this.release(message);
      return undefined;
    }
    const work = this.options.processor.process(message, this.shutdown.signal);
    this.inFlight.add(work);
    try {
      const disposition = await work;
      if (disposition === 'ack') return message;
      await this.release(message);
      return undefined;
    } finally {
      this.inFlight.delete(work);
    }
  }

  /** Makes the message visible again at once, for another worker. */
  private async release(message: Message): Promise<void> {
    try {
      await this.options.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.options.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    } catch (error) {
      this.options.logger.warn('could not release message; it returns after its visibility timeout', {
        sqs_message_id: message.MessageId,
        err: error,
      });
    }
  }
}
