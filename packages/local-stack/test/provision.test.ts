import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { resourceDefinition } from '@ocr-jobs/contracts';
import { provisionResources, startTestStack, type TestStack } from '../src';

describe('provisionResources on the stand-ins', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it.each([
    ['ocr', 'ocr', 'ocrDeadLetter'],
    ['audit', 'audit', 'auditDeadLetter'],
  ] as const)(
    'creates the %s queue with the shared definition and a redrive to its DLQ',
    async (key, url, dlqUrl) => {
      const def = resourceDefinition.queues[key];
      const { sqs } = stack.clients;
      const attrs = (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: stack.resources.queueUrls[url],
            AttributeNames: ['All'],
          }),
        )
      ).Attributes!;
      const dlqAttrs = (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: stack.resources.queueUrls[dlqUrl],
            AttributeNames: ['All'],
          }),
        )
      ).Attributes!;

      expect(Number(attrs.MessageRetentionPeriod)).toBe(def.retentionSeconds);
      expect(Number(attrs.VisibilityTimeout)).toBe(def.visibilityTimeoutSeconds);
      expect(Number(attrs.ReceiveMessageWaitTimeSeconds)).toBe(def.receiveWaitSeconds);
      expect(JSON.parse(attrs.RedrivePolicy!)).toEqual({
        deadLetterTargetArn: dlqAttrs.QueueArn,
        maxReceiveCount: def.maxReceiveCount,
      });
      expect(Number(dlqAttrs.MessageRetentionPeriod)).toBe(def.deadLetter.retentionSeconds);
    },
  );

  it('creates the bucket and the audit table with its tenant index', async () => {
    await expect(
      stack.clients.s3.send(new HeadBucketCommand({ Bucket: stack.names.bucket })),
    ).resolves.toBeDefined();
    const { Table } = await stack.clients.dynamodb.send(
      new DescribeTableCommand({ TableName: stack.names.auditTable }),
    );
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe(
      resourceDefinition.auditTable.tenantIndex.name,
    );
  });

  it('is safe to run again on existing resources', async () => {
    const again = await provisionResources(stack.clients, stack.names);
    expect(again).toEqual(stack.resources);
  });
});
