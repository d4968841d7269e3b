import fs from 'node:fs';
import path from 'node:path';

/**
 * Records every AWS API call a client makes, one JSON line per call, to the file named by
 * `AWS_CALL_LOG`. On in the services' test suites only (see jest.global-setup.js): infra's IAM parity
 * test evaluates each recorded call against the task-role policy the Pulumi program renders, because
 * the local stand-ins allow every call and AWS does not.
 */

export const CALL_LOG_ENV = 'AWS_CALL_LOG';

/** One recorded call: which API, on which resource (as the command's input names it). */
export interface RecordedCall {
  /** s3, sqs, dynamodb or secretsmanager (the IAM service prefix). */
  service: string;
  /** The API operation, e.g. PutObject, SendMessageBatch, BatchWriteItem. */
  action: string;
  bucket?: string;
  key?: string;
  /** DeleteObjects: every key it deletes. */
  keys?: string[];
  /** CopyObject: `bucket/key` it reads. */
  copySource?: string;
  queueUrl?: string;
  queueName?: string;
  table?: string;
  index?: string;
  /** BatchWriteItem / BatchGetItem: the tables in RequestItems. */
  tables?: string[];
  /** Secrets Manager: the secret's ARN or name. */
  secretId?: string;
}

const SERVICE_OF_CLIENT: Record<string, string> = {
  S3Client: 's3',
  SQSClient: 'sqs',
  DynamoDBClient: 'dynamodb',
};

type Input = Record<string, unknown>;

/** The resource fields of a command input that IAM authorizes on. */
export function describeCall(clientName: string, commandName: string, input: Input): RecordedCall {
  const service = SERVICE_OF_CLIENT[clientName] ?? clientName.replace(/Client$/, '').toLowerCase();
  const call: RecordedCall = { service, action: commandName.replace(/Command$/, '') };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const fields: Partial<RecordedCall> = {
    bucket: str(input.Bucket),
    key: str(input.Key),
    copySource: str(input.CopySource),
    queueUrl: str(input.QueueUrl),
    queueName: str(input.QueueName),
    table: str(input.TableName),
    index: str(input.IndexName),
    secretId: str(input.SecretId),
  };
  const objects = (input.Delete as { Objects?: Array<{ Key?: string }> } | undefined)?.Objects;
  if (objects) fields.keys = objects.map((o) => o.Key ?? '');
  if (input.RequestItems && typeof input.RequestItems === 'object') {
    fields.tables = Object.keys(input.RequestItems);
  }
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) (call as unknown as Record<string, unknown>)[name] = value;
  }
  return call;
}

interface RecordableClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: Input }) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: { input: Input }) => Promise<unknown>,
      options: { step: 'initialize'; name: string; override: boolean },
    ): void;
  };
}

/**
 * Adds the recorder to a client when `AWS_CALL_LOG` is set (otherwise nothing). It runs first, before
 * signing and sending, so presigned URLs (which are never sent by the SDK) and failed calls are
 * recorded too: both need the permission. Returns the client.
 */
export function recordAwsCalls<C>(client: C, file = process.env[CALL_LOG_ENV]): C {
  if (!file) return client;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  (client as unknown as RecordableClient).middlewareStack.add(
    (next, context) => async (args) => {
      const call = describeCall(context.clientName ?? '?', context.commandName ?? '?', args.input);
      // Synchronous append: one whole line per call even when several processes share the file.
      fs.appendFileSync(file, `${JSON.stringify(call)}\n`);
      return next(args);
    },
    { step: 'initialize', name: 'ocrJobsCallRecorder', override: true },
  );
  return client;
}
