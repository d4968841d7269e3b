import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { resourceDefinition } from '@ocr-jobs/contracts';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import { deploy, type Deployment } from './support/deploy';

/**
 * infra/ and the local stack (packages/local-stack/src/provision.ts) must configure every queue alike.
 * This compares what the local stand-in actually holds with what the Pulumi program declares; any
 * difference (a value hard-coded on one side, a setting only one side applies) fails it.
 */
let local: TestStack;
let cloud: Deployment;
beforeAll(async () => {
  [local, cloud] = await Promise.all([startTestStack(), deploy({})]);
});
afterAll(async () => {
  await local?.stop();
});

async function localAttributes(url: string) {
  const { Attributes } = await local.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
  );
  return Attributes ?? {};
}

describe.each([
  ['ocr', 'ocr-queue', 'ocr', 'ocrDeadLetter'],
  ['audit', 'audit-queue', 'audit', 'auditDeadLetter'],
  ['webhook', 'webhook-queue', 'webhook', 'webhookDeadLetter'],
] as const)('the %s queue', (key, logical, urlKey, deadLetterUrlKey) => {
  it('has the same retention, visibility timeout, long polling and redrive locally and in infra', async () => {
    const queue = cloud.get('aws:sqs/queue:Queue', logical).inputs;
    const deployed = await localAttributes(local.resources.queueUrls[urlKey]);
    expect(Number(deployed.MessageRetentionPeriod)).toBe(queue.messageRetentionSeconds);
    expect(Number(deployed.VisibilityTimeout)).toBe(queue.visibilityTimeoutSeconds);
    expect(Number(deployed.ReceiveMessageWaitTimeSeconds)).toBe(queue.receiveWaitTimeSeconds);
    const localRedrive = JSON.parse(deployed.RedrivePolicy!);
    const cloudRedrive = JSON.parse(queue.redrivePolicy);
    expect(Number(localRedrive.maxReceiveCount)).toBe(cloudRedrive.maxReceiveCount);
    expect(cloudRedrive.maxReceiveCount).toBe(resourceDefinition.queues[key].maxReceiveCount);
    // Both point at their own dead-letter queue of the same logical name.
    const suffix = resourceDefinition.queues[key].deadLetter.name;
    expect(localRedrive.deadLetterTargetArn).toMatch(new RegExp(`:${local.env.RESOURCE_PREFIX}-${suffix}$`));
    expect(cloudRedrive.deadLetterTargetArn).toMatch(new RegExp(`:ocr-jobs-test-${suffix}$`));
  });

  it('keeps dead letters as long locally as in infra', async () => {
    const deadLetter = cloud.get('aws:sqs/queue:Queue', `${logical}-dlq`).inputs;
    const deployed = await localAttributes(local.resources.queueUrls[deadLetterUrlKey]);
    expect(Number(deployed.MessageRetentionPeriod)).toBe(deadLetter.messageRetentionSeconds);
  });
});
