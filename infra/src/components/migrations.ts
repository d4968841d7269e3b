import path from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { assumedBy, policyDocument, type Statement } from '../policy';
import { containerDefinitions } from './container-definitions';

export interface MigrationsArgs {
  prefix: string;
  region: string;
  cluster: aws.ecs.Cluster;
  /** The jobs-api image: it carries @ocr-jobs/db and its migrations. */
  image: pulumi.Input<string>;
  command: string[];
  environment: Record<string, pulumi.Input<string>>;
  secrets: Record<string, pulumi.Input<string>>;
  logGroup: aws.cloudwatch.LogGroup;
  executionRoleArn: pulumi.Input<string>;
  subnetIds: pulumi.Input<string[]>;
  /** The API's group: the database admits it. */
  securityGroupId: pulumi.Input<string>;
  assignPublicIp: boolean;
  cpuArchitecture: 'X86_64' | 'ARM64';
  logRetentionDays: number;
  /** Role for the runner function instead of creating one (it must trust lambda.amazonaws.com). */
  existingRoleArn?: string;
  /**
   * What must be complete before the task can start: routes to the NAT gateway (image pull) and the
   * execution role's policy (ECR, logs, the database secret). Depending on a component waits for all its children.
   */
  prerequisites: pulumi.Resource[];
}

/** Where the runner's code lives: infra/lambda, two levels above this file in src/ and in dist/. */
const LAMBDA_DIR = path.join(__dirname, '..', '..', 'lambda');

/** What the runner function may do: start the migration task, watch it, hand it its role, log. */
export function runnerStatements(args: {
  taskDefinitionArn: pulumi.Input<string>;
  clusterArn: pulumi.Input<string>;
  executionRoleArn: pulumi.Input<string>;
  logGroupArn: pulumi.Input<string>;
}): Statement[] {
  return [
    {
      Sid: 'RunMigrationTask',
      Action: ['ecs:RunTask'],
      // Any revision of the migration family, on this cluster only.
      Resource: [pulumi.output(args.taskDefinitionArn).apply((arn) => arn.replace(/:\d+$/, ':*'))],
      Condition: { ArnEquals: { 'ecs:cluster': args.clusterArn } },
    },
    {
      Sid: 'WatchMigrationTask',
      Action: ['ecs:DescribeTasks'],
      Resource: [pulumi.output(args.clusterArn).apply((arn) => `${arn.replace(':cluster/', ':task/')}/*`)],
    },
    {
      Sid: 'PassExecutionRole',
      Action: ['iam:PassRole'],
      Resource: [args.executionRoleArn],
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
    {
      Sid: 'WriteLogs',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [pulumi.interpolate`${args.logGroupArn}:*`],
    },
  ];
}

/**
 * Database migrations, once per deploy, before the services change: a one-off Fargate task from the
 * jobs-api image runs @ocr-jobs/db's `migrate()` (under its MySQL named lock), started and awaited by a small
 * Lambda function that Pulumi invokes whenever the migration task definition changes. The services
 * depend on that invocation, so `pulumi up` updates them only after the migration succeeded.
 */
export class Migrations extends pulumi.ComponentResource {
  readonly taskDefinition: aws.ecs.TaskDefinition;
  readonly runner: aws.lambda.Function;
  /** Completes when this deploy's migrations have been applied. */
  readonly invocation: aws.lambda.Invocation;

  constructor(name: string, args: MigrationsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:migrations:Migrations', name, {}, opts);
    const parent = { parent: this };
    const containerName = 'migrate';
    this.taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: `${args.prefix}-migrate`,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: args.cpuArchitecture },
        executionRoleArn: args.executionRoleArn,
        // No task role: migrating needs the database only, whose password ECS injects.
        containerDefinitions: containerDefinitions({
          name: containerName,
          image: args.image,
          command: args.command,
          environment: args.environment,
          secrets: args.secrets,
          logGroupName: args.logGroup.name,
          region: args.region,
          stopTimeout: 30,
        }),
      },
      parent,
    );

    const functionName = `${args.prefix}-migrate`;
    const runnerLogs = new aws.cloudwatch.LogGroup(
      `${name}-runner`,
      { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays },
      parent,
    );
    let roleArn: pulumi.Input<string>;
    const runnerReady: pulumi.Resource[] = [];
    if (args.existingRoleArn) {
      roleArn = args.existingRoleArn;
    } else {
      const role = new aws.iam.Role(
        `${name}-runner`,
        { assumeRolePolicy: assumedBy('lambda.amazonaws.com'), description: 'ocr-jobs migration runner' },
        parent,
      );
      const policy = new aws.iam.RolePolicy(
        `${name}-runner`,
        {
          role: role.id,
          policy: policyDocument(
            runnerStatements({
              taskDefinitionArn: this.taskDefinition.arn,
              clusterArn: args.cluster.arn,
              executionRoleArn: args.executionRoleArn,
              logGroupArn: runnerLogs.arn,
            }),
          ),
        },
        parent,
      );
      roleArn = role.arn;
      runnerReady.push(policy);
    }
    this.runner = new aws.lambda.Function(
      `${name}-runner`,
      {
        name: functionName,
        runtime: aws.lambda.Runtime.NodeJS22dX,
        handler: 'index.handler',
        code: new pulumi.asset.AssetArchive({
          'index.js': new pulumi.asset.FileAsset(path.join(LAMBDA_DIR, 'run-migration-task.js')),
        }),
        role: roleArn,
        // Fargate start-up, image pull and the migrations themselves; the maximum Lambda allows.
        timeout: 900,
        memorySize: 128,
        loggingConfig: { logFormat: 'Text', logGroup: runnerLogs.name },
      },
      { parent: this, dependsOn: [runnerLogs] },
    );
    const input = {
      cluster: args.cluster.arn,
      taskDefinition: this.taskDefinition.arn,
      containerName,
      subnets: args.subnetIds,
      securityGroups: [args.securityGroupId],
      assignPublicIp: args.assignPublicIp,
    };
    this.invocation = new aws.lambda.Invocation(
      `${name}-run`,
      {
        functionName: this.runner.name,
        input: pulumi.jsonStringify(input),
        // A new task definition revision (new image, command or settings) means a new deploy: run again.
        triggers: { taskDefinition: this.taskDefinition.arn },
      },
      { parent: this, dependsOn: [...args.prerequisites, ...runnerReady] },
    );
    this.registerOutputs({});
  }
}
