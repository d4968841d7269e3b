import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { recordAwsCalls } from './call-recorder';

export interface AwsClients {
  s3: S3Client;
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
  /** DynamoDB with plain JS values instead of attribute-value maps. */
  dynamodbDocument: DynamoDBDocumentClient;
  destroy(): void;
}

export interface AwsClientOptions {
  region: string;
  /** Path-style S3 URLs (bucket in the path): needed by local stand-ins without wildcard DNS. */
  s3ForcePathStyle?: boolean;
  /**
   * Explicit endpoints, for tests that run stand-ins inside the test process. Services leave this
   * out and let the SDK read AWS_ENDPOINT_URL* from the environment.
   */
  endpoints?: { s3?: string; sqs?: string; dynamodb?: string };
  /** Explicit credentials (tests); otherwise the SDK's default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * Record this client's calls when AWS_CALL_LOG is set (default true). A test's own setup and
   * assertion clients pass false: only the services' calls are checked against their task roles.
   */
  recordCalls?: boolean;
}

/**
 * Every AWS client, built in one place. Endpoints are deliberately not passed: the SDK reads
 * AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_{S3,SQS,DYNAMODB} itself, so the same code talks to AWS or
 * to the local stand-ins. Credentials come from the SDK's default chain (the task role on ECS).
 */
export function createAwsClients(options: AwsClientOptions): AwsClients {
  const common = {
    region: options.region,
    maxAttempts: 3,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const endpoints = options.endpoints ?? {};
  const record = <C>(client: C): C => (options.recordCalls === false ? client : recordAwsCalls(client));
  const s3 = record(
    new S3Client({
      ...common,
      forcePathStyle: options.s3ForcePathStyle ?? false,
      ...(endpoints.s3 ? { endpoint: endpoints.s3 } : {}),
    }),
  );
  // Local stand-ins hand out queue URLs whose host is not resolvable; the configured endpoint is the one to call.
  const sqs = record(
    new SQSClient({
      ...common,
      useQueueUrlAsEndpoint: false,
      ...(endpoints.sqs ? { endpoint: endpoints.sqs } : {}),
    }),
  );
  // The document client shares this middleware stack, so its calls are recorded too.
  const dynamodb = record(
    new DynamoDBClient({
      ...common,
      ...(endpoints.dynamodb ? { endpoint: endpoints.dynamodb } : {}),
    }),
  );
  const dynamodbDocument = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return {
    s3,
    sqs,
    dynamodb,
    dynamodbDocument,
    destroy() {
      s3.destroy();
      sqs.destroy();
      dynamodb.destroy();
    },
  };
}
