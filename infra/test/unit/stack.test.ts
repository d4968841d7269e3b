import fs from 'node:fs';
import path from 'node:path';
import { physicalNames, queueAttributes, resourceDefinition } from '@ocr-jobs/contracts';
import { ACCOUNT, REGION, deploy, stackFileValues, type Deployment } from '../support/deploy';
import { actionsOf, containerOf, statementsOf, type PolicyStatement } from '../support/inspect';

/** The dev stack (Pulumi.dev.yaml) declared under mocks; each block checks one concern. */
let d: Deployment;
let names: ReturnType<typeof physicalNames>;
/** Bucket names are global: the stack's name plus the account id. */
let bucketName: string;
beforeAll(async () => {
  d = await deploy(stackFileValues());
  names = physicalNames(d.config.resourcePrefix);
  bucketName = `${names.bucket}-${ACCOUNT}`;
});

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const SERVICES = ['jobs-api', 'ocr-worker', 'audit-logger'] as const;

describe('network', () => {
  it('creates a VPC with a public and a private subnet in each of two zones, none handing out public IPs', () => {
    const subnets = d.all('aws:ec2/subnet:Subnet');
    expect(d.all('aws:ec2/vpc:Vpc')).toHaveLength(1);
    expect(subnets.map((s) => s.name).sort()).toEqual([
      'network-private-0',
      'network-private-1',
      'network-public-0',
      'network-public-1',
    ]);
    expect(
      new Set(subnets.filter((s) => s.name.includes('public')).map((s) => s.inputs.availabilityZone)).size,
    ).toBe(2);
    for (const subnet of subnets) expect(subnet.inputs.mapPublicIpOnLaunch).toBe(false);
  });

  it('routes the private subnets through one NAT gateway in a public subnet', () => {
    const nats = d.all('aws:ec2/natGateway:NatGateway');
    expect(nats).toHaveLength(1);
    expect(nats[0]!.inputs.subnetId).toBe('network-public-0-id');
    for (const i of [0, 1]) {
      const routes = d.get('aws:ec2/routeTable:RouteTable', `network-private-${i}`);
      expect(routes.inputs.routes).toEqual([{ cidrBlock: '0.0.0.0/0', natGatewayId: 'network-nat-0-id' }]);
      const association = d.get(
        'aws:ec2/routeTableAssociation:RouteTableAssociation',
        `network-private-${i}`,
      );
      expect(association.inputs).toMatchObject({
        subnetId: `network-private-${i}-id`,
        routeTableId: `network-private-${i}-id`,
      });
    }
    expect(d.get('aws:ec2/routeTable:RouteTable', 'network-public').inputs.routes).toEqual([
      { cidrBlock: '0.0.0.0/0', gatewayId: 'network-igw-id' },
    ]);
  });

  it('runs tasks and the database in the private subnets and the load balancer in the public ones', () => {
    const privateIds = ['network-private-0-id', 'network-private-1-id'];
    for (const service of d.all('aws:ecs/service:Service')) {
      expect(service.inputs.networkConfiguration).toMatchObject({
        subnets: privateIds,
        assignPublicIp: false,
      });
    }
    expect(d.get('aws:rds/subnetGroup:SubnetGroup', 'db-subnets').inputs.subnetIds).toEqual(privateIds);
    expect(d.get('aws:lb/loadBalancer:LoadBalancer', 'alb-alb').inputs.subnets).toEqual([
      'network-public-0-id',
      'network-public-1-id',
    ]);
  });
});

describe('security groups', () => {
  const ingress = () => d.all('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule');

  it('opens nothing to the world but 80 and 443 on the load balancer', () => {
    const worldOpen = ingress().filter(
      (r) => r.inputs.cidrIpv4 === '0.0.0.0/0' || r.inputs.cidrIpv6 === '::/0',
    );
    expect(worldOpen.length).toBe(4);
    for (const rule of worldOpen) {
      expect(rule.inputs.securityGroupId).toBe('sg-alb-id');
      expect(rule.inputs.ipProtocol).toBe('tcp');
      expect([80, 443]).toContain(rule.inputs.fromPort);
      expect(rule.inputs.toPort).toBe(rule.inputs.fromPort);
    }
    // Every other ingress names a source group, never an address range.
    for (const rule of ingress().filter((r) => !worldOpen.includes(r))) {
      expect(rule.inputs.referencedSecurityGroupId).toBeDefined();
      expect(rule.inputs.cidrIpv4 ?? rule.inputs.cidrIpv6).toBeUndefined();
    }
    for (const group of d.all('aws:ec2/securityGroup:SecurityGroup'))
      expect(group.inputs.ingress).toBeUndefined();
  });

  it('lets the database be reached only from the API and worker groups, on 3306', () => {
    const toDb = ingress().filter((r) => r.inputs.securityGroupId === 'sg-db-id');
    expect(toDb.map((r) => r.inputs.referencedSecurityGroupId).sort()).toEqual(['sg-api-id', 'sg-worker-id']);
    for (const rule of toDb)
      expect(rule.inputs).toMatchObject({ fromPort: 3306, toPort: 3306, ipProtocol: 'tcp' });
    expect(d.get('aws:rds/instance:Instance', 'db-mysql').inputs.vpcSecurityGroupIds).toEqual(['sg-db-id']);
  });

  it('lets the API port be reached only from the load balancer', () => {
    const toApi = ingress().filter((r) => r.inputs.securityGroupId === 'sg-api-id');
    expect(toApi).toHaveLength(1);
    expect(toApi[0]!.inputs).toMatchObject({
      referencedSecurityGroupId: 'sg-alb-id',
      fromPort: 3000,
      toPort: 3000,
    });
    expect(
      ingress().filter((r) => ['sg-worker-id', 'sg-audit-logger-id'].includes(r.inputs.securityGroupId)),
    ).toEqual([]);
  });
});

describe('load balancer', () => {
  it('drops invalid headers, is internet-facing in its own group, and health-checks /healthz', () => {
    const alb = d.get('aws:lb/loadBalancer:LoadBalancer', 'alb-alb').inputs;
    expect(alb).toMatchObject({
      dropInvalidHeaderFields: true,
      internal: false,
      securityGroups: ['sg-alb-id'],
    });
    const target = d.get('aws:lb/targetGroup:TargetGroup', 'alb-api').inputs;
    expect(target).toMatchObject({ targetType: 'ip', port: 3000, protocol: 'HTTP' });
    expect(target.healthCheck).toMatchObject({ path: '/healthz', matcher: '200' });
  });

  it('serves plain HTTP when no certificate is configured', () => {
    const listeners = d.all('aws:lb/listener:Listener');
    expect(listeners).toHaveLength(1);
    expect(listeners[0]!.inputs).toMatchObject({ port: 80, protocol: 'HTTP' });
    expect(listeners[0]!.inputs.defaultActions[0]).toMatchObject({ type: 'forward' });
  });
});

describe('database', () => {
  it('is a private, encrypted, backed-up MySQL 8 with an AWS-managed master password', () => {
    const db = d.get('aws:rds/instance:Instance', 'db-mysql').inputs;
    expect(db).toMatchObject({
      engine: 'mysql',
      instanceClass: 'db.t3.micro',
      storageEncrypted: true,
      publiclyAccessible: false,
      manageMasterUserPassword: true,
      backupRetentionPeriod: 1,
      deletionProtection: false,
    });
    expect(db.engineVersion).toMatch(/^8\./);
    expect(db.backupRetentionPeriod).toBeGreaterThan(0);
    expect(db.password).toBeUndefined();
  });
});

describe('files bucket', () => {
  it('is named from the shared definition and blocks every kind of public access', () => {
    expect(d.get('aws:s3/bucket:Bucket', 'storage-files').inputs.bucket).toBe(bucketName);
    expect(
      d.get('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'storage-files').inputs,
    ).toMatchObject({
      bucket: bucketName,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      d.get('aws:s3/bucketOwnershipControls:BucketOwnershipControls', 'storage-files').inputs.rule
        .objectOwnership,
    ).toBe('BucketOwnerEnforced');
  });

  it('encrypts objects by default and refuses requests without TLS', () => {
    const sse = d.get(
      'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
      'storage-files',
    ).inputs;
    expect(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe('AES256');
    const policy = JSON.parse(d.get('aws:s3/bucketPolicy:BucketPolicy', 'storage-files').inputs.policy);
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${bucketName}`, `arn:aws:s3:::${bucketName}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
  });

  it('expires job files and results after the retention of the shared definition', () => {
    const rules = d.get('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'storage-files')
      .inputs.rules;
    for (const prefix of ['jobs/', 'results/']) {
      expect(rules).toContainEqual(
        expect.objectContaining({
          status: 'Enabled',
          filter: { prefix },
          expiration: { days: resourceDefinition.bucket.retentionDays },
        }),
      );
    }
  });

  it('allows presigned uploads from the configured origins only', () => {
    const cors = d.get('aws:s3/bucketCorsConfiguration:BucketCorsConfiguration', 'storage-files').inputs
      .corsRules;
    expect(cors).toEqual([
      expect.objectContaining({ allowedOrigins: ['http://localhost:5173'], allowedMethods: ['PUT', 'GET'] }),
    ]);
  });
});

describe('queues', () => {
  const cases = [
    ['ocr', 'ocr-queue', () => names.ocrQueue, () => names.ocrDeadLetterQueue],
    ['audit', 'audit-queue', () => names.auditQueue, () => names.auditDeadLetterQueue],
    ['webhook', 'webhook-queue', () => names.webhookQueue, () => names.webhookDeadLetterQueue],
  ] as const;

  it.each(cases)(
    'the %s queue takes every setting and its redrive from the shared definition',
    (key, logical, name, dlqName) => {
      const definition = resourceDefinition.queues[key];
      const dlq = d.get('aws:sqs/queue:Queue', `${logical}-dlq`);
      const queue = d.get('aws:sqs/queue:Queue', logical);
      expect(dlq.inputs.name).toBe(dlqName());
      expect(queue.inputs.name).toBe(name());
      const expected = queueAttributes(definition, dlq.state.arn);
      expect(queue.inputs.messageRetentionSeconds).toBe(Number(expected.MessageRetentionPeriod));
      expect(queue.inputs.visibilityTimeoutSeconds).toBe(Number(expected.VisibilityTimeout));
      expect(queue.inputs.receiveWaitTimeSeconds).toBe(Number(expected.ReceiveMessageWaitTimeSeconds));
      expect(JSON.parse(queue.inputs.redrivePolicy)).toEqual({
        deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${dlqName()}`,
        maxReceiveCount: definition.maxReceiveCount,
      });
      expect(dlq.inputs.messageRetentionSeconds).toBe(definition.deadLetter.retentionSeconds);
      const allow = d.get('aws:sqs/redriveAllowPolicy:RedriveAllowPolicy', `${logical}-dlq`).inputs;
      expect(JSON.parse(allow.redriveAllowPolicy)).toEqual({
        redrivePermission: 'byQueue',
        sourceQueueArns: [queue.state.arn],
      });
    },
  );

  it('keeps OCR messages 2 days and dead letters 14 days', () => {
    expect(d.get('aws:sqs/queue:Queue', 'ocr-queue').inputs.messageRetentionSeconds).toBe(2 * 86_400);
    for (const dlq of ['ocr-queue-dlq', 'audit-queue-dlq', 'webhook-queue-dlq']) {
      expect(d.get('aws:sqs/queue:Queue', dlq).inputs.messageRetentionSeconds).toBe(14 * 86_400);
    }
  });

  it('encrypts every queue', () => {
    const queues = d.all('aws:sqs/queue:Queue');
    expect(queues).toHaveLength(6);
    for (const queue of queues) expect(queue.inputs.sqsManagedSseEnabled).toBe(true);
  });

  it("hides an OCR message for longer than the worker's item timeout", () => {
    const worker = containerOf(d.get('aws:ecs/taskDefinition:TaskDefinition', 'services-ocr-worker'));
    const timeoutSeconds = Number(worker.env.OCR_ITEM_TIMEOUT_MS) / 1000;
    expect(timeoutSeconds).toBe(d.config.workerItemTimeoutSeconds);
    expect(d.get('aws:sqs/queue:Queue', 'ocr-queue').inputs.visibilityTimeoutSeconds).toBeGreaterThan(
      timeoutSeconds,
    );
  });
});

describe('audit table', () => {
  it('is on demand, recoverable to a point in time, expires records by TTL and has the tenant index', () => {
    const t = resourceDefinition.auditTable;
    const table = d.get('aws:dynamodb/table:Table', 'audit-table').inputs;
    expect(table).toMatchObject({
      name: names.auditTable,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: t.partitionKey,
      rangeKey: t.sortKey,
      pointInTimeRecovery: { enabled: true },
      ttl: { attributeName: t.ttlAttribute, enabled: true },
      serverSideEncryption: { enabled: true },
    });
    expect(table.globalSecondaryIndexes).toEqual([
      expect.objectContaining({
        name: t.tenantIndex.name,
        hashKey: t.tenantIndex.partitionKey,
        rangeKey: t.tenantIndex.sortKey,
        projectionType: 'ALL',
      }),
    ]);
  });
});

describe('images', () => {
  it.each(SERVICES)(
    'builds %s from its Dockerfile with the repository root as context, into a scanned repository',
    (service) => {
      const repository = d.get('aws:ecr/repository:Repository', `images-${service}`);
      expect(repository.inputs).toMatchObject({
        name: `${d.config.resourcePrefix}/${service}`,
        imageScanningConfiguration: { scanOnPush: true },
      });
      const image = d.get('docker-build:index:Image', `images-${service}`).inputs;
      expect(image.context.location).toBe(REPO_ROOT);
      expect(image.dockerfile.location).toBe(path.join(REPO_ROOT, 'services', service, 'Dockerfile'));
      expect(image).toMatchObject({ push: true, platforms: ['linux/amd64'] });
      expect(image.registries[0].address).toBe(repository.state.repositoryUrl);
      // The task runs the pushed digest, so a new image means a new task definition revision.
      const task = containerOf(d.get('aws:ecs/taskDefinition:TaskDefinition', `services-${service}`));
      expect(task.image).toMatch(new RegExp(`^${repository.state.repositoryUrl}@sha256:[0-9a-f]{64}$`));
    },
  );
});

describe('ECS', () => {
  it('runs a cluster with Container Insights and logs of every task with a retention', () => {
    expect(d.get('aws:ecs/cluster:Cluster', 'ecs').inputs.settings).toEqual([
      { name: 'containerInsights', value: 'enabled' },
    ]);
    const logGroups = d.all('aws:cloudwatch/logGroup:LogGroup');
    expect(logGroups.length).toBeGreaterThanOrEqual(4);
    for (const group of logGroups) expect(group.inputs.retentionInDays).toBe(14);
  });

  it.each(SERVICES)(
    'runs %s on Fargate with a rolling-back circuit breaker and its logs in CloudWatch',
    (service) => {
      const svc = d.get('aws:ecs/service:Service', `services-${service}`).inputs;
      expect(svc).toMatchObject({
        launchType: 'FARGATE',
        deploymentCircuitBreaker: { enable: true, rollback: true },
        taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${d.config.resourcePrefix}-${service}:7`,
      });
      const task = d.get('aws:ecs/taskDefinition:TaskDefinition', `services-${service}`).inputs;
      expect(task).toMatchObject({ requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc' });
      const container = containerOf(d.get('aws:ecs/taskDefinition:TaskDefinition', `services-${service}`));
      expect(container.logConfiguration).toEqual({
        logDriver: 'awslogs',
        options: {
          'awslogs-group': `/ocr-jobs/${d.config.resourcePrefix}/${service}`,
          'awslogs-region': REGION,
          'awslogs-stream-prefix': service,
        },
      });
    },
  );

  it('gives every service its resource names and settings as environment variables', () => {
    for (const service of SERVICES) {
      const { env } = containerOf(d.get('aws:ecs/taskDefinition:TaskDefinition', `services-${service}`));
      expect(env).toMatchObject({
        NODE_ENV: 'production',
        LOG_LEVEL: 'debug',
        AWS_REGION: REGION,
        RESOURCE_PREFIX: d.config.resourcePrefix,
        S3_BUCKET: bucketName,
        OCR_QUEUE_NAME: names.ocrQueue,
        AUDIT_QUEUE_NAME: names.auditQueue,
        AUDIT_TABLE_NAME: names.auditTable,
      });
    }
  });

  it('tells the API and the worker the same languages, each one with its model in the worker image', () => {
    const api = containerOf(d.get('aws:ecs/taskDefinition:TaskDefinition', 'services-jobs-api'));
    const worker = containerOf(d.get('aws:ecs/taskDefinition:TaskDefinition', 'services-ocr-worker'));
    const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'services/ocr-worker/Dockerfile'), 'utf8');
    const debian = /^ARG OCR_LANGUAGE_PACKAGES="([^"]*)"$/m.exec(dockerfile)?.[1]?.split(/\s+/) ?? [];
    const workerPackage = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, 'services/ocr-worker/package.json'), 'utf8'),
    ) as { dependencies: Record<string, string> };
    const npm = Object.keys(workerPackage.dependencies)
      .filter((name) => name.startsWith('@tesseract.js-data/'))
      .map((name) => name.slice('@tesseract.js-data/'.length));

    expect(api.env.OCR_LANGUAGES).toBe(d.config.ocrLanguages.join(','));
    expect(worker.env.OCR_LANGUAGES).toBe(api.env.OCR_LANGUAGES);
    for (const code of d.config.ocrLanguages) expect([...npm, ...debian]).toContain(code);
    // The image has fast models of at least these, whatever OCR_MODEL says.
    expect(debian).toEqual(expect.arrayContaining(['por', 'spa', 'fra', 'deu', 'ita']));
  });

  it('connects the API and worker as the app user over TLS, reading its password from its secret at connect time', () => {
    const appSecretArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${d.config.resourcePrefix}/db-app-user-AbCdEf`;
    for (const service of ['jobs-api', 'ocr-worker']) {
      const container = containerOf(d.get('aws:ecs/taskDefinition:TaskDefinition', `services-${service}`));
      expect(container.env).toMatchObject({
        DATABASE_URL: `mysql://ocrjobs_app@${d.config.resourcePrefix}-mysql.abc.${REGION}.rds.amazonaws.com:3306/ocrjobs`,
        DATABASE_SECRET_ARN: appSecretArn,
        DATABASE_TLS: 'rds',
      });
      // Not injected at start (it would go stale after a rotation): read by the service itself.
      expect(container.secrets).toEqual([]);
      expect(JSON.stringify(container.environment)).not.toMatch(/password/i);
    }
    const auditLogger = containerOf(d.get('aws:ecs/taskDefinition:TaskDefinition', 'services-audit-logger'));
    expect(auditLogger.secrets).toEqual([]);
    expect(auditLogger.env.DATABASE_URL).toBeUndefined();
  });

  it('puts the API behind the load balancer with a fixed count and leaves the worker count to the autoscaler', () => {
    const api = d.get('aws:ecs/service:Service', 'services-jobs-api');
    expect(api.inputs.desiredCount).toBe(1);
    expect(api.inputs.loadBalancers).toEqual([
      {
        targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/alb-api/2`,
        containerName: 'jobs-api',
        containerPort: 3000,
      },
    ]);
    const worker = d.get('aws:ecs/service:Service', 'services-ocr-worker');
    expect(worker.inputs.desiredCount).toBe(0);
    expect(worker.opts.ignoreChanges).toEqual(['desiredCount']);
    expect(worker.inputs.loadBalancers).toBeUndefined();
    expect(
      containerOf(d.get('aws:ecs/taskDefinition:TaskDefinition', 'services-ocr-worker')).stopTimeout,
    ).toBe(120);
  });
});

describe('migrations', () => {
  it('runs the migration command as a one-off task from the jobs-api image with the database settings', () => {
    const task = d.get('aws:ecs/taskDefinition:TaskDefinition', 'migrations-task');
    const container = containerOf(task);
    const api = containerOf(d.get('aws:ecs/taskDefinition:TaskDefinition', 'services-jobs-api'));
    expect(container.image).toBe(api.image);
    expect(container.command).toEqual(d.config.migrationCommand);
    // The admin user (DDL, creating the app user), over TLS; secrets injected at start.
    expect(container.env.DATABASE_URL).toBe(
      `mysql://ocrjobs@${d.config.resourcePrefix}-mysql.abc.${REGION}.rds.amazonaws.com:3306/ocrjobs`,
    );
    expect(container.env).toMatchObject({ DATABASE_TLS: 'rds', DATABASE_APP_USER: 'ocrjobs_app' });
    const secret = (name: string) =>
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${d.config.resourcePrefix}/${name}-AbCdEf`;
    expect(container.secretsByName).toEqual({
      DATABASE_PASSWORD: `${d.outputs.databaseSecretArn}:password::`,
      DATABASE_APP_PASSWORD: `${secret('db-app-user')}:password::`,
      BOOTSTRAP_API_KEY: secret('bootstrap-api-key'),
    });
    expect(task.inputs.taskRoleArn).toBeUndefined();
  });

  it('is started once per deploy, in the API group and subnets, and re-run whenever its task definition changes', () => {
    const invocation = d.get('aws:lambda/invocation:Invocation', 'migrations-run').inputs;
    const taskArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${d.config.resourcePrefix}-migrate:7`;
    expect(JSON.parse(invocation.input)).toEqual({
      cluster: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${d.config.resourcePrefix}`,
      taskDefinition: taskArn,
      containerName: 'migrate',
      subnets: ['network-private-0-id', 'network-private-1-id'],
      securityGroups: ['sg-api-id'],
      assignPublicIp: false,
    });
    expect(invocation.triggers).toEqual({ taskDefinition: taskArn });
    expect(invocation.functionName).toBe(`${d.config.resourcePrefix}-migrate`);
  });

  it('starts only once the network routes, the roles and the runner policy exist', () => {
    expect(d.get('aws:lambda/invocation:Invocation', 'migrations-run').opts.dependsOn).toEqual([
      'network',
      'iam',
      'migrations-runner',
    ]);
  });

  it('holds every service back until the migration run succeeded', () => {
    for (const service of SERVICES) {
      expect(d.get('aws:ecs/service:Service', `services-${service}`).opts.dependsOn).toContain(
        'migrations-run',
      );
    }
  });

  it('ships the runner function from infra/lambda', () => {
    const fn = d.get('aws:lambda/function:Function', 'migrations-runner').inputs;
    expect(fn).toMatchObject({ handler: 'index.handler', runtime: 'nodejs22.x', timeout: 900 });
    expect(fs.existsSync(path.join(__dirname, '..', '..', 'lambda', 'run-migration-task.js'))).toBe(true);
  });
});

describe('IAM', () => {
  const bucketArn = () => `arn:aws:s3:::${bucketName}`;
  const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
  const tableArn = () => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${names.auditTable}`;
  const allStatements = () =>
    ['iam-jobs-api', 'iam-ocr-worker', 'iam-audit-logger', 'iam-execution', 'migrations-runner'].flatMap(
      (role) => statementsOf(d, role).map((s) => [role, s] as const),
    );

  it('grants no action on "*" except the registry login, and no wildcard actions', () => {
    for (const [role, statement] of allStatements()) {
      expect(statement.Effect).toBe('Allow');
      for (const action of statement.Action) expect(action).not.toMatch(/\*/);
      if (statement.Resource === '*')
        expect([role, statement.Action]).toEqual(['iam-execution', ['ecr:GetAuthorizationToken']]);
      else for (const resource of statement.Resource) expect(resource).toMatch(/^arn:aws:/);
    }
  });

  const appSecret = () =>
    `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${d.config.resourcePrefix}/db-app-user-AbCdEf`;
  const readAppSecret = () =>
    expect.objectContaining({ Action: ['secretsmanager:GetSecretValue'], Resource: [appSecret()] });

  it('lets jobs-api store and read job files and presigned uploads, publish to the queues, deliver webhooks and query the audit trail', () => {
    expect(statementsOf(d, 'iam-jobs-api')).toEqual<PolicyStatement[]>([
      expect.objectContaining({
        Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        Resource: [`${bucketArn()}/jobs/*`, `${bucketArn()}/uploads/*`],
      }),
      expect.objectContaining({
        Action: ['s3:GetObject', 's3:DeleteObject'],
        Resource: [`${bucketArn()}/results/*`],
      }),
      expect.objectContaining({ Action: ['s3:ListBucket'], Resource: [bucketArn()] }),
      expect.objectContaining({
        Action: ['sqs:SendMessage', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
        Resource: [queueArn(names.ocrQueue), queueArn(names.auditQueue), queueArn(names.webhookQueue)],
      }),
      expect.objectContaining({
        Action: [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueUrl',
          'sqs:GetQueueAttributes',
        ],
        Resource: [queueArn(names.webhookQueue)],
      }),
      expect.objectContaining({
        Action: ['dynamodb:Query'],
        Resource: [tableArn(), `${tableArn()}/index/by-tenant`],
      }),
      readAppSecret(),
    ]);
  });

  it('lets ocr-worker read job files, write and delete results, consume the OCR queue, settle its dead letters and send audit events and webhook deliveries, nothing else', () => {
    const statements = statementsOf(d, 'iam-ocr-worker');
    expect(statements).toEqual<PolicyStatement[]>([
      expect.objectContaining({ Action: ['s3:GetObject'], Resource: [`${bucketArn()}/jobs/*`] }),
      expect.objectContaining({
        Action: ['s3:PutObject', 's3:DeleteObject'],
        Resource: [`${bucketArn()}/results/*`],
      }),
      expect.objectContaining({
        Action: [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueUrl',
          'sqs:GetQueueAttributes',
        ],
        Resource: [queueArn(names.ocrQueue)],
      }),
      expect.objectContaining({
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
        Resource: [queueArn(names.ocrDeadLetterQueue)],
      }),
      expect.objectContaining({
        Action: ['sqs:SendMessage', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
        Resource: [queueArn(names.auditQueue), queueArn(names.webhookQueue)],
      }),
      readAppSecret(),
    ]);
    expect(actionsOf(statements).some((a) => a.startsWith('dynamodb:'))).toBe(false);
  });

  it('lets audit-logger consume the audit queue and write the audit table, nothing else', () => {
    const statements = statementsOf(d, 'iam-audit-logger');
    expect(statements).toEqual<PolicyStatement[]>([
      expect.objectContaining({
        Action: [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueUrl',
          'sqs:GetQueueAttributes',
        ],
        Resource: [queueArn(names.auditQueue)],
      }),
      expect.objectContaining({
        Action: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:DescribeTable'],
        Resource: [tableArn()],
      }),
    ]);
    expect(actionsOf(statements).some((a) => a.startsWith('s3:'))).toBe(false);
  });

  it("lets ECS pull only our images, write only our log groups and read only the migration task's secrets", () => {
    const statements = statementsOf(d, 'iam-execution');
    const repoArns = SERVICES.map(
      (s) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${d.config.resourcePrefix}/${s}`,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        Resource: repoArns,
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [
          d.outputs.databaseSecretArn,
          appSecret(),
          `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${d.config.resourcePrefix}/bootstrap-api-key-AbCdEf`,
        ],
      }),
    );
    const logs = statements.find((s) => s.Sid === 'WriteLogs')!;
    expect(logs.Resource).toHaveLength(4);
    for (const arn of logs.Resource)
      expect(arn).toMatch(
        new RegExp(
          `^arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ocr-jobs/${d.config.resourcePrefix}/[a-z-]+:\\*$`,
        ),
      );
  });

  it('gives each service its own task role, trusted by ECS tasks, and one separate execution role', () => {
    for (const service of SERVICES) {
      const task = d.get('aws:ecs/taskDefinition:TaskDefinition', `services-${service}`).inputs;
      expect(task.taskRoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/iam-${service}`);
      expect(task.executionRoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/iam-execution`);
      const trust = JSON.parse(d.get('aws:iam/role:Role', `iam-${service}`).inputs.assumeRolePolicy);
      expect(trust.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
    }
  });

  it('lets the migration runner start only the migration task on this cluster and pass only the execution role', () => {
    const prefix = d.config.resourcePrefix;
    expect(statementsOf(d, 'migrations-runner')).toEqual<PolicyStatement[]>([
      expect.objectContaining({
        Action: ['ecs:RunTask'],
        Resource: [`arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${prefix}-migrate:*`],
        Condition: { ArnEquals: { 'ecs:cluster': `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${prefix}` } },
      }),
      expect.objectContaining({
        Action: ['ecs:DescribeTasks'],
        Resource: [`arn:aws:ecs:${REGION}:${ACCOUNT}:task/${prefix}/*`],
      }),
      expect.objectContaining({
        Action: ['iam:PassRole'],
        Resource: [`arn:aws:iam::${ACCOUNT}:role/iam-execution`],
      }),
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
    ]);
  });
});

describe('worker autoscaling', () => {
  const policy = (name: string) => d.get('aws:appautoscaling/policy:Policy', name).inputs;
  const alarm = (name: string) => d.get('aws:cloudwatch/metricAlarm:MetricAlarm', name).inputs;
  const resourceId = () => `service/${d.config.resourcePrefix}/ocr-worker`;

  it('scales the worker service between 0 and the configured maximum', () => {
    expect(d.get('aws:appautoscaling/target:Target', 'worker-scaling').inputs).toEqual(
      expect.objectContaining({
        serviceNamespace: 'ecs',
        scalableDimension: 'ecs:service:DesiredCount',
        resourceId: resourceId(),
        minCapacity: 0,
        maxCapacity: 2,
      }),
    );
  });

  it('adds workers, also from zero, while OCR messages are visible, from one SQS metric without metric math', () => {
    // 300 s acceptable latency ÷ 4 s per page × 2 OCR workers per 2-vCPU task = 150 messages per task.
    expect(d.config.workerBacklogPerTaskTarget).toBe(150);
    const out = alarm('worker-scaling-out');
    expect(out).toMatchObject({
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: names.ocrQueue },
      statistic: 'Maximum',
      period: 60,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
      alarmActions: [`arn:aws:autoscaling:${REGION}:${ACCOUNT}:scalingPolicy:worker-scaling-out`],
    });
    expect(out.metricQueries).toBeUndefined();
    // Nothing from the tasks (Container Insights has no data while no task runs).
    expect(
      JSON.stringify(
        d.all('aws:cloudwatch/metricAlarm:MetricAlarm').filter((a) => a.name.startsWith('worker-scaling')),
      ),
    ).not.toMatch(/RunningTaskCount|ContainerInsights/);
    const steps = policy('worker-scaling-out').stepScalingPolicyConfiguration;
    expect(steps).toMatchObject({ adjustmentType: 'ChangeInCapacity', cooldown: 120 });
    // 1..150 visible → +1 task, 151..750 → +2, more → +4, again after each cooldown while any wait.
    expect(steps.stepAdjustments).toEqual([
      { metricIntervalLowerBound: '0', metricIntervalUpperBound: '150', scalingAdjustment: 1 },
      { metricIntervalLowerBound: '150', metricIntervalUpperBound: '750', scalingAdjustment: 2 },
      { metricIntervalLowerBound: '750', scalingAdjustment: 4 },
    ]);
    expect(d.all('aws:appautoscaling/policy:Policy').map((p) => p.inputs.policyType)).toEqual([
      'StepScaling',
      'StepScaling',
    ]);
  });

  it('stops every worker once the queue has been empty for the configured minutes', () => {
    const toZero = alarm('worker-scaling-to-zero');
    expect(toZero).toMatchObject({
      comparisonOperator: 'LessThanOrEqualToThreshold',
      threshold: 0,
      evaluationPeriods: 10,
      datapointsToAlarm: 10,
      treatMissingData: 'breaching',
      alarmActions: [`arn:aws:autoscaling:${REGION}:${ACCOUNT}:scalingPolicy:worker-scaling-to-zero`],
    });
    expect(
      toZero.metricQueries.map(
        (q: { metric?: { metricName: string; period: number } }) => q.metric?.metricName,
      ),
    ).toEqual(['ApproximateNumberOfMessagesVisible', 'ApproximateNumberOfMessagesNotVisible', undefined]);
    expect(toZero.metricQueries[0].metric.period).toBe(60);
    expect(policy('worker-scaling-to-zero').stepScalingPolicyConfiguration).toMatchObject({
      adjustmentType: 'ExactCapacity',
      stepAdjustments: [{ metricIntervalUpperBound: '0', scalingAdjustment: 0 }],
    });
  });
});

describe('monitoring', () => {
  const topicArn = () => d.outputs.alarmTopicArn;
  const alarms = () =>
    d.all('aws:cloudwatch/metricAlarm:MetricAlarm').filter((a) => a.name.startsWith('monitoring-'));

  it('raises the operational alarms, each notifying the topic when it fires and when it clears', () => {
    expect(
      alarms()
        .map((a) => a.name.replace('monitoring-', ''))
        .sort(),
    ).toEqual([
      'alb-5xx',
      'api-no-healthy-targets',
      'api-unhealthy-targets',
      'audit-dlq-not-empty',
      'audit-oldest-message-too-old',
      'db-cpu-high',
      'db-free-storage-low',
      'ocr-dlq-not-empty',
      'ocr-oldest-message-too-old',
      'worker-errors',
    ]);
    for (const a of alarms()) {
      expect(a.inputs.alarmActions).toEqual([topicArn()]);
      expect(a.inputs.okActions).toEqual([topicArn()]);
    }
  });

  it('alarms as soon as a dead-letter queue holds a message', () => {
    for (const [alarmName, queue] of [
      ['monitoring-ocr-dlq-not-empty', names.ocrDeadLetterQueue],
      ['monitoring-audit-dlq-not-empty', names.auditDeadLetterQueue],
    ]) {
      expect(d.get('aws:cloudwatch/metricAlarm:MetricAlarm', alarmName!).inputs).toMatchObject({
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: queue },
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
        evaluationPeriods: 1,
      });
    }
  });

  it('uses the configured thresholds', () => {
    const get = (name: string) =>
      d.get('aws:cloudwatch/metricAlarm:MetricAlarm', `monitoring-${name}`).inputs;
    expect(get('ocr-oldest-message-too-old')).toMatchObject({
      metricName: 'ApproximateAgeOfOldestMessage',
      threshold: 1800,
    });
    expect(get('alb-5xx').threshold).toBe(10);
    expect(get('api-unhealthy-targets')).toMatchObject({ metricName: 'UnHealthyHostCount', threshold: 0 });
    expect(get('db-cpu-high')).toMatchObject({ metricName: 'CPUUtilization', threshold: 80 });
    expect(get('db-free-storage-low')).toMatchObject({
      metricName: 'FreeStorageSpace',
      threshold: 2 * 1024 ** 3,
      comparisonOperator: 'LessThanThreshold',
    });
    expect(get('worker-errors')).toMatchObject({ metricName: 'WorkerErrorLogLines', threshold: 5 });
    const filter = d.get('aws:cloudwatch/logMetricFilter:LogMetricFilter', 'monitoring-worker-errors').inputs;
    expect(filter).toMatchObject({
      logGroupName: `/ocr-jobs/${d.config.resourcePrefix}/ocr-worker`,
      pattern: '{ $.level = "error" }',
    });
  });

  it('subscribes no e-mail address unless one is configured', () => {
    expect(d.all('aws:sns/topicSubscription:TopicSubscription')).toEqual([]);
  });

  it('draws the dashboard from queue, worker, API, database and audit-table metrics', () => {
    const body = d.get('aws:cloudwatch/dashboard:Dashboard', 'monitoring-dashboard').inputs
      .dashboardBody as string;
    for (const metric of [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateAgeOfOldestMessage',
      names.ocrDeadLetterQueue,
      names.auditDeadLetterQueue,
      'RunningTaskCount',
      'OcrDurationMs',
      'QueueWaitMs',
      'PagesProcessed',
      'ItemsFailed',
      'RequestCount',
      'HTTPCode_Target_5XX_Count',
      'TargetResponseTime',
      'CPUUtilization',
      'DatabaseConnections',
      'WriteThrottleEvents',
      'ReadThrottleEvents',
    ]) {
      expect(body).toContain(metric);
    }
    const widgets = JSON.parse(body).widgets as Array<{ type: string; properties: { alarms?: string[] } }>;
    expect(widgets.find((w) => w.type === 'alarm')!.properties.alarms).toHaveLength(alarms().length);
  });
});

describe('outputs', () => {
  it('gives the operator the API and docs URLs, bucket, queue URLs, table and dashboard', () => {
    expect(d.outputs).toMatchObject({
      apiUrl: `http://alb-alb-1.${REGION}.elb.amazonaws.com`,
      docsUrl: `http://alb-alb-1.${REGION}.elb.amazonaws.com/docs`,
      bucketName: bucketName,
      ocrQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${names.ocrQueue}`,
      ocrDeadLetterQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${names.ocrDeadLetterQueue}`,
      auditQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${names.auditQueue}`,
      auditDeadLetterQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${names.auditDeadLetterQueue}`,
      webhookQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${names.webhookQueue}`,
      webhookDeadLetterQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${names.webhookDeadLetterQueue}`,
      auditTableName: names.auditTable,
      dashboardUrl: `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#dashboards:name=${d.config.resourcePrefix}`,
    });
  });
});
