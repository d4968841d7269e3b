import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { resourceDefinition } from '@ocr-jobs/contracts';
import { assumedBy, policyDocument, type Statement } from '../policy';
import type { ServiceName } from './images';

export interface IamArgs {
  bucketArn: pulumi.Input<string>;
  ocrQueueArn: pulumi.Input<string>;
  /** The OCR queue's dead-letter queue: the worker's reconciler fails the items whose message landed there. */
  ocrDeadLetterQueueArn: pulumi.Input<string>;
  auditQueueArn: pulumi.Input<string>;
  webhookQueueArn: pulumi.Input<string>;
  auditTableArn: pulumi.Input<string>;
  /** The admin's RDS-managed secret: injected into the migration task only. */
  databaseSecretArn: pulumi.Input<string>;
  /** The services' database user secret: read by jobs-api and ocr-worker when they connect. */
  appDatabaseSecretArn: pulumi.Input<string>;
  /** The first API key: injected into the migration task, which registers its hash. */
  bootstrapKeySecretArn: pulumi.Input<string>;
  /** Repositories the tasks pull from. */
  repositoryArns: pulumi.Input<string>[];
  /** Log groups the tasks write to. */
  logGroupArns: pulumi.Input<string>[];
  /** Use these roles instead of creating any (accounts that cannot create IAM roles, e.g. LabRole). */
  existingRoles?: { task: string; execution: string };
}

/** What each task may do, as IAM statements on exactly its resources. Exported for the tests. */
export function taskStatements(args: IamArgs): Record<ServiceName, Statement[]> {
  const { jobsPrefix, resultsPrefix, uploadsPrefix } = resourceDefinition.bucket;
  const objects = (prefix: string) => pulumi.interpolate`${args.bucketArn}/${prefix}*`;
  const table = args.auditTableArn;
  const tenantIndex = pulumi.interpolate`${table}/index/${resourceDefinition.auditTable.tenantIndex.name}`;
  const consume = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'];
  const lookUp = ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes'];
  // Read at connect time and after a refused login, so a rotated password needs no restart.
  const readDatabasePassword: Statement = {
    Sid: 'ReadDatabasePassword',
    Action: ['secretsmanager:GetSecretValue'],
    Resource: [args.appDatabaseSecretArn],
  };
  return {
    'jobs-api': [
      {
        // Multipart jobs upload in parts (AbortMultipartUpload on failure); a presigned upload is
        // verified (HeadObject = GetObject), copied into jobs/ (GetObject + PutObject) and deleted. The
        // presigned PUT URL is signed with this role, so the client's PUT needs s3:PutObject here too.
        // The orphan sweep (db/orphan-sweep.ts) deletes files and uploads no row owns (DeleteObjects).
        Sid: 'JobFilesAndPresignedUploads',
        Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        Resource: [objects(jobsPrefix), objects(uploadsPrefix)],
      },
      // DeleteObject: a deleted job's results, and results the orphan sweep finds without an item.
      {
        Sid: 'ServeAndDeleteResults',
        Action: ['s3:GetObject', 's3:DeleteObject'],
        Resource: [objects(resultsPrefix)],
      },
      // ListBucket also authorizes HeadBucket (readiness) and lets HeadObject answer 404, not 403; the
      // orphan sweep lists jobs/, results/ and uploads/ with it.
      { Sid: 'ListJobObjects', Action: ['s3:ListBucket'], Resource: [args.bucketArn] },
      {
        Sid: 'PublishOcrAuditAndWebhookMessages',
        Action: ['sqs:SendMessage', ...lookUp],
        Resource: [args.ocrQueueArn, args.auditQueueArn, args.webhookQueueArn],
      },
      // The API tasks deliver webhooks: consume the webhook queue, back off with ChangeMessageVisibility.
      { Sid: 'DeliverWebhooks', Action: [...consume, ...lookUp], Resource: [args.webhookQueueArn] },
      { Sid: 'ReadAuditTrail', Action: ['dynamodb:Query'], Resource: [table, tenantIndex] },
      readDatabasePassword,
    ],
    'ocr-worker': [
      { Sid: 'ReadJobFiles', Action: ['s3:GetObject'], Resource: [objects(jobsPrefix)] },
      // DeleteObject: a result written for an item that was deleted meanwhile is removed again.
      {
        Sid: 'WriteResults',
        Action: ['s3:PutObject', 's3:DeleteObject'],
        Resource: [objects(resultsPrefix)],
      },
      { Sid: 'ConsumeOcrQueue', Action: [...consume, ...lookUp], Resource: [args.ocrQueueArn] },
      // The reconciler reads dead letters, ends their items ERROR (item.failed), then deletes them.
      {
        Sid: 'SettleOcrDeadLetters',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', ...lookUp],
        Resource: [args.ocrDeadLetterQueueArn],
      },
      // The worker's outbox relay sends only the worker's own rows (audit events, webhook deliveries); the
      // OCR messages the API writes are relayed by the API. GetQueueUrl on the OCR queue stays for the lookup above.
      {
        Sid: 'RelayAuditEventsAndWebhooks',
        Action: ['sqs:SendMessage', ...lookUp],
        Resource: [args.auditQueueArn, args.webhookQueueArn],
      },
      readDatabasePassword,
    ],
    'audit-logger': [
      { Sid: 'ConsumeAuditQueue', Action: [...consume, ...lookUp], Resource: [args.auditQueueArn] },
      {
        Sid: 'WriteAuditRecords',
        Action: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:DescribeTable'],
        Resource: [table],
      },
    ],
  };
}

/** What ECS itself needs to start any of the tasks: pull the image, write logs, read the DB secret. */
export function executionStatements(args: IamArgs): Statement[] {
  const statements: Statement[] = [
    // GetAuthorizationToken has no resource-level permissions; it only hands out a registry login.
    { Sid: 'RegistryLogin', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
    {
      Sid: 'WriteLogs',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: args.logGroupArns.map((arn) => pulumi.interpolate`${arn}:*`),
    },
    {
      // Injected into the migration task only: the admin password, the services' user password (to
      // set it) and the bootstrap API key (to register its hash).
      Sid: 'ReadMigrationSecrets',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [args.databaseSecretArn, args.appDatabaseSecretArn, args.bootstrapKeySecretArn],
    },
  ];
  if (args.repositoryArns.length > 0) {
    statements.splice(1, 0, {
      Sid: 'PullImages',
      Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      Resource: args.repositoryArns,
    });
  }
  return statements;
}

/**
 * One task role per service with only the actions it uses on only its resources, and one execution
 * role for ECS. With `existingRoles`, nothing is created and those ARNs are used.
 */
export class Iam extends pulumi.ComponentResource {
  readonly taskRoleArns: Record<ServiceName, pulumi.Output<string>>;
  readonly executionRoleArn: pulumi.Output<string>;

  constructor(name: string, args: IamArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:iam:Iam', name, {}, opts);
    if (args.existingRoles) {
      const { task, execution } = args.existingRoles;
      this.taskRoleArns = {
        'jobs-api': pulumi.output(task),
        'ocr-worker': pulumi.output(task),
        'audit-logger': pulumi.output(task),
      };
      this.executionRoleArn = pulumi.output(execution);
      this.registerOutputs({});
      return;
    }
    const parent = { parent: this };
    const role = (roleName: string, description: string, statements: Statement[]) => {
      const created = new aws.iam.Role(
        `${name}-${roleName}`,
        { assumeRolePolicy: assumedBy('ecs-tasks.amazonaws.com'), description },
        parent,
      );
      new aws.iam.RolePolicy(
        `${name}-${roleName}`,
        { role: created.id, policy: policyDocument(statements) },
        parent,
      );
      return created.arn;
    };
    const tasks = taskStatements(args);
    this.taskRoleArns = {
      'jobs-api': role('jobs-api', 'ocr-jobs jobs-api task', tasks['jobs-api']),
      'ocr-worker': role('ocr-worker', 'ocr-jobs ocr-worker task', tasks['ocr-worker']),
      'audit-logger': role('audit-logger', 'ocr-jobs audit-logger task', tasks['audit-logger']),
    };
    this.executionRoleArn = role('execution', 'ocr-jobs ECS task execution', executionStatements(args));
    this.registerOutputs({});
  }
}
