import { resourceDefinition } from '@ocr-jobs/contracts';
import type { RecordedCall } from '@ocr-jobs/runtime';

/**
 * Turns a recorded SDK call (packages/runtime src/aws/call-recorder.ts) into the IAM requests AWS
 * authorizes for it: the action names IAM uses (HeadObject is s3:GetObject, SendMessageBatch is
 * sqs:SendMessage, CopyObject is GetObject on the source plus PutObject on the target) and the ARN of
 * the deployed resource the call names. Local names carry the test's prefix (`t1a2b3c4d-ocr-jobs`);
 * the logical part after the prefix says which deployed resource that is.
 */

export interface IamRequest {
  action: string;
  resource: string;
}

/** ARNs of the deployed resources, by their logical name in the shared resource definition. */
export interface DeployedArns {
  bucket: string;
  queues: Record<string, string>;
  tables: Record<string, string>;
  /** By the last part of the secret's name (`<prefix>/db-app-user` → `db-app-user`). */
  secrets: Record<string, string>;
}

const S3_ACTION: Record<string, string> = {
  HeadObject: 's3:GetObject',
  GetObject: 's3:GetObject',
  PutObject: 's3:PutObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  DeleteObject: 's3:DeleteObject',
  HeadBucket: 's3:ListBucket',
  ListObjects: 's3:ListBucket',
  ListObjectsV2: 's3:ListBucket',
};
const SQS_BATCH: Record<string, string> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/**
 * A call naming a resource the program does not create: a test's deliberate fault (a missing bucket
 * or queue). AWS would answer it with NoSuchBucket / NonExistentQueue, whatever the role allows.
 */
export class UnknownResourceError extends Error {}

/** The logical name a physical `<prefix>-<logical>` name ends with (longest match first). */
function logicalName(physical: string, logicalNames: string[]): string {
  const match = [...logicalNames]
    .sort((a, b) => b.length - a.length)
    .find((logical) => physical === logical || physical.endsWith(`-${logical}`));
  if (!match)
    throw new UnknownResourceError(
      `${physical} is none of the resources the program creates (${logicalNames.join(', ')})`,
    );
  return match;
}

export function iamRequestsOf(call: RecordedCall, arns: DeployedArns): IamRequest[] {
  switch (call.service) {
    case 's3': {
      logicalName(call.bucket ?? '?', [resourceDefinition.bucket.name]);
      const object = (key: string) => `${arns.bucket}/${key}`;
      if (call.action === 'DeleteObjects') {
        return (call.keys ?? []).map((key) => ({ action: 's3:DeleteObject', resource: object(key) }));
      }
      if (call.action === 'CopyObject') {
        // CopySource is `bucket/key` (URL-encoded); the read is authorized on the source object.
        const source = decodeURIComponent(call.copySource ?? '').replace(/^\/?[^/]+\//, '');
        return [
          { action: 's3:GetObject', resource: object(source) },
          { action: 's3:PutObject', resource: object(call.key ?? '') },
        ];
      }
      const action = S3_ACTION[call.action] ?? `s3:${call.action}`;
      return [{ action, resource: call.key === undefined ? arns.bucket : object(call.key) }];
    }
    case 'sqs': {
      const name = call.queueName ?? new URL(call.queueUrl ?? 'http://x/?').pathname.split('/').pop() ?? '?';
      const queue = arns.queues[logicalName(name, Object.keys(arns.queues))]!;
      return [{ action: `sqs:${SQS_BATCH[call.action] ?? call.action}`, resource: queue }];
    }
    case 'dynamodb': {
      const tables = call.tables ?? [call.table ?? '?'];
      return tables.map((name) => {
        const table = arns.tables[logicalName(name, Object.keys(arns.tables))]!;
        return {
          action: `dynamodb:${call.action}`,
          resource: call.index ? `${table}/index/${call.index}` : table,
        };
      });
    }
    case 'secretsmanager': {
      // SecretId is a name or an ARN (`…:secret:<name>-<6 random characters>`).
      const id = call.secretId ?? '?';
      const name = id.startsWith('arn:') ? id.split(':secret:')[1]!.replace(/-[A-Za-z0-9]{6}$/, '') : id;
      const secret = arns.secrets[logicalName(name.split('/').pop()!, Object.keys(arns.secrets))]!;
      return [{ action: `secretsmanager:${call.action}`, resource: secret }];
    }
    default:
      throw new Error(
        `no IAM mapping for ${call.service}:${call.action}; add it to infra/test/support/iam-requests.ts`,
      );
  }
}
