import { ChangeMessageVisibilityCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Sequelize } from 'sequelize-typescript';
import { Consumer } from 'sqs-consumer';
import type { WebhookQueueMessage } from '@ocr-jobs/db';
import type { Logger } from '@ocr-jobs/runtime';
import { attemptDelivery, type DeliverySettings } from './deliver';

export interface DeliveryConsumerOptions {
  db: Sequelize;
  sqs: SQSClient;
  queueUrl: string;
  logger: Logger;
  settings: DeliverySettings & { WEBHOOK_CONCURRENCY: number };
  /** Long-poll wait (default 20 s; tests use less). */
  waitTimeSeconds?: number;
}

/**
 * Delivers webhooks from the webhook queue, one message per pending delivery. A settled delivery's
 * message is deleted (the handler returns it); a failed attempt keeps the message and hides it for
 * the backoff (ChangeMessageVisibility, ≤ 12 h), so the retry schedule lives in SQS and survives any
 * task restart. A message whose handler keeps throwing reaches the DLQ after maxReceiveCount.
 */
export function createDeliveryConsumer(options: DeliveryConsumerOptions) {
  const { sqs, queueUrl, logger } = options;
  const handle = async (message: Message): Promise<Message | undefined> => {
    let body: WebhookQueueMessage;
    try {
      body = JSON.parse(message.Body ?? '') as WebhookQueueMessage;
    } catch {
      logger.error('unreadable webhook message dropped', { sqs_message_id: message.MessageId });
      return message;
    }
    const decision = await attemptDelivery(options, body.delivery_id);
    if (decision.kind === 'settled') return message;
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: decision.retryInSeconds,
      }),
    );
    return undefined;
  };
  const pollers = Array.from({ length: options.settings.WEBHOOK_CONCURRENCY }, () => {
    const poller = Consumer.create({
      queueUrl,
      sqs,
      batchSize: 1,
      waitTimeSeconds: options.waitTimeSeconds ?? 20,
      pollingCompleteWaitTimeMs: ((options.waitTimeSeconds ?? 20) + 5) * 1000,
      handleMessage: handle,
    });
    poller.on('error', (err) => logger.warn('webhook queue error', { err }));
    poller.on('processing_error', (err, message) =>
      logger.warn('webhook delivery failed; the message returns after its visibility timeout', {
        err,
        sqs_message_id: (message as Message | undefined)?.MessageId,
      }),
    );
    return poller;
  });
  return {
    start: () => pollers.forEach((p) => p.start()),
    /** Stops polling; resolves when every poller has finished its in-flight attempt. */
    async stop(): Promise<void> {
      const stopped = pollers.map((p) => new Promise<void>((resolve) => p.once('stopped', () => resolve())));
      for (const p of pollers) p.stop();
      await Promise.all(stopped);
    },
  };
}
