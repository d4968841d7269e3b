import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { queueAttributes, type QueueDefinition } from '@ocr-jobs/contracts';

export interface QueueWithDeadLetterArgs {
  /** Physical names, from `physicalNames(prefix)`. */
  name: string;
  deadLetterName: string;
  /** The queue's entry in `resourceDefinition.queues`: the only source of its settings. */
  definition: QueueDefinition;
}

/**
 * The arguments of an aws.sqs.Queue from the SQS attributes `queueAttributes()` gives: the local
 * stack passes the very same attributes to CreateQueue, so both sides read one definition.
 */
export function queueArgsFromAttributes(attributes: Record<string, string>) {
  return {
    messageRetentionSeconds: Number(attributes.MessageRetentionPeriod),
    visibilityTimeoutSeconds: Number(attributes.VisibilityTimeout),
    receiveWaitTimeSeconds: Number(attributes.ReceiveMessageWaitTimeSeconds),
    redrivePolicy: attributes.RedrivePolicy,
  };
}

/** One SQS queue and its dead-letter queue, both encrypted (SSE-SQS), redrive from the shared definition. */
export class QueueWithDeadLetter extends pulumi.ComponentResource {
  readonly queue: aws.sqs.Queue;
  readonly deadLetterQueue: aws.sqs.Queue;

  constructor(name: string, args: QueueWithDeadLetterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:queues:QueueWithDeadLetter', name, {}, opts);
    const parent = { parent: this };
    this.deadLetterQueue = new aws.sqs.Queue(
      `${name}-dlq`,
      {
        name: args.deadLetterName,
        messageRetentionSeconds: args.definition.deadLetter.retentionSeconds,
        sqsManagedSseEnabled: true,
      },
      parent,
    );
    const settings = this.deadLetterQueue.arn.apply((arn) =>
      queueArgsFromAttributes(queueAttributes(args.definition, arn)),
    );
    this.queue = new aws.sqs.Queue(
      name,
      {
        name: args.name,
        messageRetentionSeconds: settings.messageRetentionSeconds,
        visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
        receiveWaitTimeSeconds: settings.receiveWaitTimeSeconds,
        redrivePolicy: settings.redrivePolicy,
        sqsManagedSseEnabled: true,
      },
      parent,
    );
    // Only this queue may move messages into the DLQ, and the console's "redrive back" targets it.
    new aws.sqs.RedriveAllowPolicy(
      `${name}-dlq`,
      {
        queueUrl: this.deadLetterQueue.url,
        redriveAllowPolicy: pulumi.jsonStringify({
          redrivePermission: 'byQueue',
          sourceQueueArns: [this.queue.arn],
        }),
      },
      parent,
    );
    this.registerOutputs({ url: this.queue.url, deadLetterUrl: this.deadLetterQueue.url });
  }
}
