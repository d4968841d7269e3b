import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { physicalNames, resourceDefinition } from '@ocr-jobs/contracts';
import type { InfraConfig } from './config';
import { ecrRepositoryArnOf } from './policy';
import { repoRoot } from './repo-root';
import { Alb } from './components/alb';
import { AuditTable } from './components/audit-table';
import { WorkerAutoscaling } from './components/autoscaling';
import { Cluster } from './components/cluster';
import { APP_USER, Database, generatedSecret } from './components/database';
import { Iam } from './components/iam';
import { Images } from './components/images';
import { Migrations } from './components/migrations';
import { Monitoring } from './components/monitoring';
import { Network } from './components/network';
import { QueueWithDeadLetter } from './components/queues';
import { SecurityGroups } from './components/security-groups';
import { Services } from './components/services';
import { Storage } from './components/storage';

const API_PORT = 3000;

/** What `pulumi up` prints and what operators need. */
export interface OcrJobsOutputs {
  apiUrl: pulumi.Output<string>;
  docsUrl: pulumi.Output<string>;
  bucketName: pulumi.Output<string>;
  ocrQueueUrl: pulumi.Output<string>;
  ocrDeadLetterQueueUrl: pulumi.Output<string>;
  auditQueueUrl: pulumi.Output<string>;
  auditDeadLetterQueueUrl: pulumi.Output<string>;
  webhookQueueUrl: pulumi.Output<string>;
  webhookDeadLetterQueueUrl: pulumi.Output<string>;
  auditTableName: pulumi.Output<string>;
  dashboardUrl: pulumi.Output<string>;
  alarmTopicArn: pulumi.Output<string>;
  clusterName: pulumi.Output<string>;
  databaseEndpoint: pulumi.Output<string>;
  databaseSecretArn: pulumi.Output<string>;
  /** `aws ecs run-task` inputs: subnets and the group of each task (the migration task uses the API's). */
  privateSubnetIds: pulumi.Output<string[]>;
  assignPublicIp: pulumi.Output<boolean>;
  securityGroupIds: pulumi.Output<Record<string, string>>;
  taskDefinitionFamilies: pulumi.Output<Record<string, string>>;
  logGroupNames: pulumi.Output<Record<string, string>>;
  ecrRepositoryUrls: pulumi.Output<Record<string, string>>;
  /** `aws lambda invoke --function-name <this> --payload "$(pulumi stack output migrationInput)"` re-runs migrations. */
  migrationFunctionName: pulumi.Output<string>;
  /** The first API key (tenant `operator`): `aws secretsmanager get-secret-value --secret-id <this>`. */
  bootstrapApiKeySecretArn: pulumi.Output<string>;
}

/** A map of outputs as one output of a plain map (a stack output an operator reads as JSON). */
function outputMap(entries: Record<string, pulumi.Input<string>>): pulumi.Output<Record<string, string>> {
  return pulumi.all(entries) as pulumi.Output<Record<string, string>>;
}

/** The whole deployment, one component per concern, named from the shared resource definition. */
export class OcrJobs extends pulumi.ComponentResource {
  readonly network: Network;
  readonly securityGroups: SecurityGroups;
  readonly alb: Alb;
  readonly database: Database;
  readonly storage: Storage;
  readonly ocrQueue: QueueWithDeadLetter;
  readonly auditQueue: QueueWithDeadLetter;
  readonly webhookQueue: QueueWithDeadLetter;
  readonly auditTable: AuditTable;
  readonly images: Images;
  readonly cluster: Cluster;
  readonly iam: Iam;
  readonly migrations: Migrations;
  readonly services: Services;
  readonly autoscaling: WorkerAutoscaling;
  readonly bootstrapKeySecret: aws.secretsmanager.Secret;
  readonly monitoring: Monitoring;
  readonly outputs: OcrJobsOutputs;

  constructor(name: string, config: InfraConfig, opts?: pulumi.ComponentResourceOptions) {
    super('ocr-jobs:index:OcrJobs', name, {}, opts);
    const parent = { parent: this };
    const prefix = config.resourcePrefix;
    const names = physicalNames(prefix);

    this.network = new Network(
      'network',
      {
        prefix,
        region: config.region,
        useDefaultVpc: config.useDefaultVpc,
        vpcCidr: config.vpcCidr,
        availabilityZones: config.availabilityZones,
        natGatewayPerAz: config.natGatewayPerAz,
      },
      parent,
    );
    const network = this.network;
    this.securityGroups = new SecurityGroups(
      'sg',
      { prefix, vpcId: network.vpcId, apiPort: API_PORT },
      parent,
    );
    const sg = this.securityGroups;

    this.alb = new Alb(
      'alb',
      {
        prefix,
        vpcId: network.vpcId,
        subnetIds: network.publicSubnetIds,
        securityGroupId: sg.alb.id,
        apiPort: API_PORT,
        certificateArn: config.certificateArn,
        domainName: config.apiDomainName,
        deletionProtection: config.deletionProtection,
      },
      parent,
    );
    this.database = new Database(
      'db',
      {
        prefix,
        subnetIds: network.privateSubnetIds,
        securityGroupId: sg.database.id,
        instanceClass: config.dbInstanceClass,
        engineVersion: config.dbEngineVersion,
        allocatedStorageGb: config.dbAllocatedStorageGb,
        maxAllocatedStorageGb: config.dbMaxAllocatedStorageGb,
        backupRetentionDays: config.dbBackupRetentionDays,
        multiAz: config.dbMultiAz,
        deletionProtection: config.deletionProtection,
        skipFinalSnapshot: config.skipFinalSnapshot,
      },
      parent,
    );
    this.storage = new Storage(
      'storage',
      {
        // Bucket names are global: the account id keeps a second account's `dev` stack from colliding.
        bucketName: pulumi.interpolate`${names.bucket}-${aws.getCallerIdentityOutput({}, parent).accountId}`,
        corsOrigins: config.corsOrigins,
        forceDestroy: config.forceDestroy,
      },
      parent,
    );
    this.ocrQueue = new QueueWithDeadLetter(
      'ocr-queue',
      {
        name: names.ocrQueue,
        deadLetterName: names.ocrDeadLetterQueue,
        definition: resourceDefinition.queues.ocr,
      },
      parent,
    );
    this.auditQueue = new QueueWithDeadLetter(
      'audit-queue',
      {
        name: names.auditQueue,
        deadLetterName: names.auditDeadLetterQueue,
        definition: resourceDefinition.queues.audit,
      },
      parent,
    );
    this.webhookQueue = new QueueWithDeadLetter(
      'webhook-queue',
      {
        name: names.webhookQueue,
        deadLetterName: names.webhookDeadLetterQueue,
        definition: resourceDefinition.queues.webhook,
      },
      parent,
    );
    this.auditTable = new AuditTable(
      'audit-table',
      { tableName: names.auditTable, deletionProtection: config.deletionProtection },
      parent,
    );
    const prebuilt = {
      ...(config.apiImage ? { 'jobs-api': config.apiImage } : {}),
      ...(config.workerImage ? { 'ocr-worker': config.workerImage } : {}),
      ...(config.auditLoggerImage ? { 'audit-logger': config.auditLoggerImage } : {}),
    };
    this.images = new Images(
      'images',
      {
        prefix,
        contextDir: repoRoot(),
        cpuArchitecture: config.cpuArchitecture,
        prebuilt,
        forceDestroy: config.forceDestroy,
      },
      parent,
    );
    // The operator's first API key: generated into Secrets Manager, registered by hash by the
    // migration task, read by the operator with `aws secretsmanager get-secret-value` (never logged).
    this.bootstrapKeySecret = generatedSecret(
      'bootstrap-api-key',
      {
        secretName: `${prefix}/bootstrap-api-key`,
        description: 'ocr-jobs first API key (tenant operator)',
        prefix: 'ocrj_',
      },
      parent,
    );
    this.cluster = new Cluster('ecs', { prefix, logRetentionDays: config.logRetentionDays }, parent);
    const logGroups = this.cluster.logGroups;

    this.iam = new Iam(
      'iam',
      {
        bucketArn: this.storage.bucket.arn,
        ocrQueueArn: this.ocrQueue.queue.arn,
        ocrDeadLetterQueueArn: this.ocrQueue.deadLetterQueue.arn,
        auditQueueArn: this.auditQueue.queue.arn,
        webhookQueueArn: this.webhookQueue.queue.arn,
        auditTableArn: this.auditTable.table.arn,
        databaseSecretArn: this.database.secretArn,
        appDatabaseSecretArn: this.database.appSecretArn,
        bootstrapKeySecretArn: this.bootstrapKeySecret.arn,
        repositoryArns: [
          ...Object.values(this.images.repositories).map((r) => r.arn),
          ...Object.values(prebuilt).flatMap((uri) => ecrRepositoryArnOf(uri) ?? []),
        ],
        logGroupArns: Object.values(logGroups).map((g) => g.arn),
        existingRoles: config.existingRoles,
      },
      parent,
    );

    // Settings every service reads (@ocr-jobs/runtime's base config); names are the ones created above.
    const common = {
      NODE_ENV: 'production',
      LOG_LEVEL: config.logLevel,
      AWS_REGION: config.region,
      RESOURCE_PREFIX: prefix,
      S3_BUCKET: this.storage.bucket.id,
      OCR_QUEUE_NAME: this.ocrQueue.queue.name,
      AUDIT_QUEUE_NAME: this.auditQueue.queue.name,
      WEBHOOK_QUEUE_NAME: this.webhookQueue.queue.name,
      AUDIT_TABLE_NAME: this.auditTable.table.name,
    };
    // Services: the app user over TLS, its password read from the secret at connect time (rotation).
    const withDatabase = {
      ...common,
      DATABASE_URL: this.database.appUrl,
      DATABASE_SECRET_ARN: this.database.appSecretArn,
      DATABASE_TLS: 'rds',
    };
    // Migrations: the admin user (RDS-managed secret, injected at start: the task lives minutes).
    const migrationEnvironment = {
      ...common,
      DATABASE_URL: this.database.url,
      DATABASE_TLS: 'rds',
      DATABASE_APP_USER: APP_USER,
    };
    const migrationSecrets = {
      DATABASE_PASSWORD: pulumi.interpolate`${this.database.secretArn}:password::`,
      DATABASE_APP_PASSWORD: pulumi.interpolate`${this.database.appSecretArn}:password::`,
      BOOTSTRAP_API_KEY: this.bootstrapKeySecret.arn,
    };

    this.migrations = new Migrations(
      'migrations',
      {
        prefix,
        region: config.region,
        cluster: this.cluster.cluster,
        image: this.images.refs['jobs-api'],
        command: config.migrationCommand,
        environment: migrationEnvironment,
        secrets: migrationSecrets,
        logGroup: logGroups.migrate,
        executionRoleArn: this.iam.executionRoleArn,
        subnetIds: network.privateSubnetIds,
        securityGroupId: sg.api.id,
        assignPublicIp: network.assignPublicIp,
        cpuArchitecture: config.cpuArchitecture,
        logRetentionDays: config.logRetentionDays,
        existingRoleArn: config.existingRoles?.task,
        prerequisites: [network, this.iam],
      },
      parent,
    );

    this.services = new Services(
      'services',
      {
        prefix,
        region: config.region,
        cluster: this.cluster.cluster,
        executionRoleArn: this.iam.executionRoleArn,
        subnetIds: network.privateSubnetIds,
        assignPublicIp: network.assignPublicIp,
        cpuArchitecture: config.cpuArchitecture,
        migrated: this.migrations.invocation,
        services: {
          'jobs-api': {
            image: this.images.refs['jobs-api'],
            cpu: config.apiCpu,
            memory: config.apiMemory,
            environment: {
              ...withDatabase,
              PORT: String(API_PORT),
              CORS_ORIGINS: config.corsOrigins.join(','),
              OCR_LANGUAGES: config.ocrLanguages.join(','),
              ...config.apiEnvironment,
            },
            secrets: {},
            taskRoleArn: this.iam.taskRoleArns['jobs-api'],
            securityGroupId: sg.api.id,
            logGroupName: logGroups['jobs-api'].name,
            stopTimeout: 30,
            desiredCount: config.apiDesiredCount,
            port: API_PORT,
            loadBalancer: { targetGroupArn: this.alb.targetGroup.arn, listener: this.alb.listener },
          },
          'ocr-worker': {
            image: this.images.refs['ocr-worker'],
            cpu: config.workerCpu,
            memory: config.workerMemory,
            environment: {
              ...withDatabase,
              OCR_CONCURRENCY: String(config.workerConcurrencyPerTask),
              OCR_ITEM_TIMEOUT_MS: String(config.workerItemTimeoutSeconds * 1000),
              METRICS_NAMESPACE: config.metricsNamespace,
              OCR_LANGUAGES: config.ocrLanguages.join(','),
              ...config.workerEnvironment,
            },
            secrets: {},
            taskRoleArn: this.iam.taskRoleArns['ocr-worker'],
            securityGroupId: sg.worker.id,
            logGroupName: logGroups['ocr-worker'].name,
            // Fargate's maximum: in-flight items finish or are released after SIGTERM (scale-in).
            stopTimeout: 120,
          },
          'audit-logger': {
            image: this.images.refs['audit-logger'],
            cpu: config.auditLoggerCpu,
            memory: config.auditLoggerMemory,
            environment: { ...common, ...config.auditLoggerEnvironment },
            secrets: {},
            taskRoleArn: this.iam.taskRoleArns['audit-logger'],
            securityGroupId: sg.auditLogger.id,
            logGroupName: logGroups['audit-logger'].name,
            stopTimeout: 30,
            desiredCount: config.auditLoggerDesiredCount,
          },
        },
      },
      parent,
    );
    const worker = this.services.services['ocr-worker']!;

    this.autoscaling = new WorkerAutoscaling(
      'worker-scaling',
      {
        clusterName: this.cluster.cluster.name,
        serviceName: worker.name,
        queueName: this.ocrQueue.queue.name,
        maxTasks: config.workerMaxTasks,
        backlogPerTaskTarget: config.workerBacklogPerTaskTarget,
        scaleInToZeroMinutes: config.workerScaleInToZeroMinutes,
      },
      parent,
    );

    this.monitoring = new Monitoring(
      'monitoring',
      {
        prefix,
        region: config.region,
        queues: {
          ocr: this.ocrQueue.queue.name,
          ocrDeadLetter: this.ocrQueue.deadLetterQueue.name,
          audit: this.auditQueue.queue.name,
          auditDeadLetter: this.auditQueue.deadLetterQueue.name,
        },
        clusterName: this.cluster.cluster.name,
        workerServiceName: worker.name,
        loadBalancerArnSuffix: this.alb.loadBalancer.arnSuffix,
        targetGroupArnSuffix: this.alb.targetGroup.arnSuffix,
        databaseIdentifier: this.database.instance.identifier,
        auditTableName: this.auditTable.table.name,
        auditTenantIndexName: resourceDefinition.auditTable.tenantIndex.name,
        workerLogGroupName: logGroups['ocr-worker'].name,
        metricsNamespace: config.metricsNamespace,
        alarmEmail: config.alarmEmail,
        thresholds: {
          oldestMessageAgeSeconds: config.alarmOldestMessageAgeSeconds,
          alb5xxPerFiveMinutes: config.alarmAlb5xxPerFiveMinutes,
          dbCpuPercent: config.alarmDbCpuPercent,
          dbFreeStorageGb: config.alarmDbFreeStorageGb,
          workerErrorsPerFiveMinutes: config.alarmWorkerErrorsPerFiveMinutes,
        },
      },
      parent,
    );

    this.outputs = {
      apiUrl: this.alb.url,
      docsUrl: pulumi.interpolate`${this.alb.url}/docs`,
      bucketName: this.storage.bucket.id,
      ocrQueueUrl: this.ocrQueue.queue.url,
      ocrDeadLetterQueueUrl: this.ocrQueue.deadLetterQueue.url,
      auditQueueUrl: this.auditQueue.queue.url,
      auditDeadLetterQueueUrl: this.auditQueue.deadLetterQueue.url,
      webhookQueueUrl: this.webhookQueue.queue.url,
      webhookDeadLetterQueueUrl: this.webhookQueue.deadLetterQueue.url,
      auditTableName: this.auditTable.table.name,
      dashboardUrl: this.monitoring.dashboardUrl,
      alarmTopicArn: this.monitoring.topic.arn,
      clusterName: this.cluster.cluster.name,
      databaseEndpoint: this.database.instance.endpoint,
      databaseSecretArn: this.database.secretArn,
      privateSubnetIds: pulumi.output(network.privateSubnetIds),
      assignPublicIp: pulumi.output(network.assignPublicIp),
      securityGroupIds: outputMap({
        'jobs-api': sg.api.id,
        'ocr-worker': sg.worker.id,
        'audit-logger': sg.auditLogger.id,
        migrate: sg.api.id,
      }),
      taskDefinitionFamilies: outputMap({
        ...Object.fromEntries(
          Object.entries(this.services.taskDefinitions).map(([service, td]) => [service, td!.family]),
        ),
        migrate: this.migrations.taskDefinition.family,
      }),
      logGroupNames: outputMap(
        Object.fromEntries(Object.entries(logGroups).map(([task, group]) => [task, group.name])),
      ),
      ecrRepositoryUrls: outputMap(
        Object.fromEntries(
          Object.entries(this.images.repositories).map(([service, repo]) => [service, repo!.repositoryUrl]),
        ),
      ),
      migrationFunctionName: this.migrations.runner.name,
      bootstrapApiKeySecretArn: this.bootstrapKeySecret.arn,
    };
    this.registerOutputs({ ...this.outputs });
  }
}
