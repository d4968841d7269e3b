import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DependencyError } from '../errors';

/** Looks a queue's URL up by name (config holds names, which are the same locally and in AWS). */
export async function resolveQueueUrl(sqs: SQSClient, queueName: string): Promise<string> {
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (!QueueUrl) throw new Error('GetQueueUrl returned no URL');
    return QueueUrl;
  } catch (error) {
    throw new DependencyError('sqs', `queue ${queueName} not found or SQS unreachable`, { cause: error });
  }
}
