/**
 * The one definition of the cloud resources: names and settings of the bucket, the queues with their
 * dead-letter queues, and the audit table. The local bootstrap (packages/local-stack) and the Pulumi
 * program (infra/) both read it, so local and cloud cannot drift apart.
 */

export interface QueueDefinition {
  /** Logical name; the physical name is `${prefix}-${name}`. */
  readonly name: string;
  /** How long SQS keeps a message. The OCR queue's is the job's deadline (seed: created_at + 2 days). */
  readonly retentionSeconds: number;
  /** Must exceed the longest time a consumer holds a message without extending it. */
  readonly visibilityTimeoutSeconds: number;
  /**
   * What a consumer that heartbeats asks for on each receive (ReceiveMessage VisibilityTimeout) and how
   * often it extends it: a crashed consumer's message returns after `leaseSeconds`, not after the
   * queue's `visibilityTimeoutSeconds`, which stays the backstop for a receive without one.
   */
  readonly lease?: { readonly leaseSeconds: number; readonly heartbeatSeconds: number };
  /** Long polling wait used by consumers. */
  readonly receiveWaitSeconds: number;
  /** Receives before SQS moves a message to the DLQ. */
  readonly maxReceiveCount: number;
  readonly deadLetter: { readonly name: string; readonly retentionSeconds: number };
}

export interface AuditTableDefinition {
  readonly name: string;
  readonly partitionKey: 'pk';
  readonly sortKey: 'sk';
  /** The tenant index: all events of a tenant in time order. */
  readonly tenantIndex: {
    readonly name: string;
    readonly partitionKey: 'gsi1pk';
    readonly sortKey: 'gsi1sk';
  };
  /** The attribute DynamoDB's TTL reads (epoch seconds). */
  readonly ttlAttribute: 'expires_at';
}

const DAY = 24 * 60 * 60;

export const resourceDefinition = {
  /** The ALB in front of jobs-api; the API's keep-alive is derived from it (http/keep-alive.ts). */
  loadBalancer: {
    /** Long multipart uploads of many scans may pause for a while between writes. */
    idleTimeoutSeconds: 120,
  },
  bucket: {
    name: 'files',
    jobsPrefix: 'jobs/',
    resultsPrefix: 'results/',
    /** Presigned uploads not (yet) turned into a job: `uploads/<tenant hash>/…`. */
    uploadsPrefix: 'uploads/',
    retentionDays: 30,
    /** An upload is used within minutes (its URL lives 15); what is left after a day was abandoned. */
    uploadRetentionDays: 1,
  },
  queues: {
    ocr: {
      name: 'ocr-jobs',
      retentionSeconds: 2 * DAY,
      visibilityTimeoutSeconds: 300,
      lease: { leaseSeconds: 30, heartbeatSeconds: 10 },
      receiveWaitSeconds: 20,
      maxReceiveCount: 5,
      deadLetter: { name: 'ocr-jobs-dlq', retentionSeconds: 14 * DAY },
    },
    audit: {
      name: 'audit-events',
      retentionSeconds: 4 * DAY,
      visibilityTimeoutSeconds: 60,
      receiveWaitSeconds: 20,
      maxReceiveCount: 5,
      deadLetter: { name: 'audit-events-dlq', retentionSeconds: 14 * DAY },
    },
    /**
     * One message per webhook delivery attempt chain. The consumer backs off with
     * ChangeMessageVisibility (≤ 12 h a step), so the message must outlive the ≥ 24 h retry schedule:
     * 4 days. maxReceiveCount is above the schedule's attempts; only a consumer that keeps crashing
     * on one message sends it to the DLQ.
     */
    webhook: {
      name: 'webhook-deliveries',
      retentionSeconds: 4 * DAY,
      visibilityTimeoutSeconds: 60,
      receiveWaitSeconds: 20,
      maxReceiveCount: 30,
      deadLetter: { name: 'webhook-deliveries-dlq', retentionSeconds: 14 * DAY },
    },
  },
  auditTable: {
    name: 'audit',
    partitionKey: 'pk',
    sortKey: 'sk',
    tenantIndex: { name: 'by-tenant', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    ttlAttribute: 'expires_at',
  },
} as const satisfies {
  loadBalancer: { idleTimeoutSeconds: number };
  bucket: {
    name: string;
    jobsPrefix: string;
    resultsPrefix: string;
    uploadsPrefix: string;
    retentionDays: number;
    uploadRetentionDays: number;
  };
  queues: { ocr: QueueDefinition; audit: QueueDefinition; webhook: QueueDefinition };
  auditTable: AuditTableDefinition;
};

export type ResourceDefinition = typeof resourceDefinition;
export type QueueKey = keyof ResourceDefinition['queues'];

/** Physical names for one deployment (stage). The prefix keeps stacks side by side in one account. */
export function physicalNames(prefix: string) {
  const q = resourceDefinition.queues;
  return {
    bucket: `${prefix}-${resourceDefinition.bucket.name}`,
    ocrQueue: `${prefix}-${q.ocr.name}`,
    ocrDeadLetterQueue: `${prefix}-${q.ocr.deadLetter.name}`,
    auditQueue: `${prefix}-${q.audit.name}`,
    auditDeadLetterQueue: `${prefix}-${q.audit.deadLetter.name}`,
    webhookQueue: `${prefix}-${q.webhook.name}`,
    webhookDeadLetterQueue: `${prefix}-${q.webhook.deadLetter.name}`,
    auditTable: `${prefix}-${resourceDefinition.auditTable.name}`,
  };
}

export type PhysicalNames = ReturnType<typeof physicalNames>;

/** SQS attributes of a queue exactly as CreateQueue / aws.sqs.Queue take them. */
export function queueAttributes(queue: QueueDefinition, deadLetterArn: string): Record<string, string> {
  return {
    MessageRetentionPeriod: String(queue.retentionSeconds),
    VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
    ReceiveMessageWaitTimeSeconds: String(queue.receiveWaitSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: deadLetterArn,
      maxReceiveCount: queue.maxReceiveCount,
    }),
  };
}
