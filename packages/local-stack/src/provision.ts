import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  queueAttributes,
  resourceDefinition,
  type PhysicalNames,
  type QueueDefinition,
} from '@ocr-jobs/contracts';
import type { AwsClients } from '@ocr-jobs/runtime';

export interface ProvisionedResources {
  bucket: string;
  queueUrls: {
    ocr: string;
    ocrDeadLetter: string;
    audit: string;
    auditDeadLetter: string;
    webhook: string;
    webhookDeadLetter: string;
  };
  auditTable: string;
}

/**
 * Creates what `infra/` creates in AWS, on the local stand-ins, from the same definition: the bucket,
 * each queue with its dead-letter queue and redrive policy, and the audit table with its tenant index.
 * Safe to run again on resources that already exist.
 */
export async function provisionResources(
  clients: AwsClients,
  names: PhysicalNames,
): Promise<ProvisionedResources> {
  await ensureBucket(clients, names.bucket);
  const ocr = await ensureQueueWithDeadLetter(
    clients,
    names.ocrQueue,
    names.ocrDeadLetterQueue,
    resourceDefinition.queues.ocr,
  );
  const audit = await ensureQueueWithDeadLetter(
    clients,
    names.auditQueue,
    names.auditDeadLetterQueue,
    resourceDefinition.queues.audit,
  );
  const webhook = await ensureQueueWithDeadLetter(
    clients,
    names.webhookQueue,
    names.webhookDeadLetterQueue,
    resourceDefinition.queues.webhook,
  );
  await ensureAuditTable(clients, names.auditTable);
  return {
    bucket: names.bucket,
    queueUrls: {
      ocr: ocr.url,
      ocrDeadLetter: ocr.deadLetterUrl,
      audit: audit.url,
      auditDeadLetter: audit.deadLetterUrl,
      webhook: webhook.url,
      webhookDeadLetter: webhook.deadLetterUrl,
    },
    auditTable: names.auditTable,
  };
}

async function ensureBucket({ s3 }: AwsClients, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

async function ensureQueueWithDeadLetter(
  { sqs }: AwsClients,
  name: string,
  deadLetterName: string,
  definition: QueueDefinition,
) {
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: deadLetterName,
      Attributes: { MessageRetentionPeriod: String(definition.deadLetter.retentionSeconds) },
    }),
  );
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn;
  if (!dlqArn || !dlq.QueueUrl) throw new Error(`dead-letter queue ${deadLetterName} has no ARN`);
  const queue = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: queueAttributes(definition, dlqArn) }),
  );
  if (!queue.QueueUrl) throw new Error(`queue ${name} has no URL`);
  return { url: queue.QueueUrl, deadLetterUrl: dlq.QueueUrl };
}

async function ensureAuditTable({ dynamodb }: AwsClients, tableName: string): Promise<void> {
  const t = resourceDefinition.auditTable;
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: t.partitionKey, AttributeType: 'S' },
        { AttributeName: t.sortKey, AttributeType: 'S' },
        { AttributeName: t.tenantIndex.partitionKey, AttributeType: 'S' },
        { AttributeName: t.tenantIndex.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: t.partitionKey, KeyType: 'HASH' },
        { AttributeName: t.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: t.tenantIndex.name,
          KeySchema: [
            { AttributeName: t.tenantIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: t.tenantIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  // dynalite does not implement TTL; AWS does (infra/ enables it). Expired records simply stay locally.
  try {
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: t.ttlAttribute, Enabled: true },
      }),
    );
  } catch {
    /* not supported by the stand-in */
  }
}
