import { ACCOUNT, REGION, deploy, type Deployment } from '../support/deploy';
import { containerOf } from '../support/inspect';

const LAB_ROLE = `arn:aws:iam::${ACCOUNT}:role/LabRole`;
const CERTIFICATE = `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/0000-1111`;
const PREBUILT_WORKER = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shared/ocr-worker@sha256:${'cd'.repeat(32)}`;

describe('a restricted account: default VPC, existing LabRole, HTTPS, e-mailed alarms, a prebuilt worker image', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await deploy({
      useDefaultVpc: 'true',
      existingTaskRoleArn: LAB_ROLE,
      certificateArn: CERTIFICATE,
      apiDomainName: 'ocr.example.com',
      alarmEmail: 'oncall@example.com',
      workerImage: PREBUILT_WORKER,
    });
  });

  it('creates no VPC, subnet or NAT gateway and uses the default subnets', () => {
    for (const type of [
      'aws:ec2/vpc:Vpc',
      'aws:ec2/subnet:Subnet',
      'aws:ec2/natGateway:NatGateway',
      'aws:ec2/eip:Eip',
    ]) {
      expect(d.all(type)).toEqual([]);
    }
    const defaults = ['subnet-default-a', 'subnet-default-b', 'subnet-default-c'];
    expect(d.get('aws:lb/loadBalancer:LoadBalancer', 'alb-alb').inputs.subnets).toEqual(defaults);
    expect(d.get('aws:rds/subnetGroup:SubnetGroup', 'db-subnets').inputs.subnetIds).toEqual(defaults);
    for (const group of d.all('aws:ec2/securityGroup:SecurityGroup'))
      expect(group.inputs.vpcId).toBe('vpc-default');
  });

  it('gives tasks a public IP (no NAT to reach AWS) while the database stays private', () => {
    for (const service of d.all('aws:ecs/service:Service')) {
      expect(service.inputs.networkConfiguration.assignPublicIp).toBe(true);
    }
    expect(
      JSON.parse(d.get('aws:lambda/invocation:Invocation', 'migrations-run').inputs.input).assignPublicIp,
    ).toBe(true);
    expect(d.get('aws:rds/instance:Instance', 'db-mysql').inputs.publiclyAccessible).toBe(false);
  });

  it('creates no IAM role or policy and runs every task and the migration runner with the existing role', () => {
    expect(d.all('aws:iam/role:Role')).toEqual([]);
    expect(d.all('aws:iam/rolePolicy:RolePolicy')).toEqual([]);
    for (const task of d.all('aws:ecs/taskDefinition:TaskDefinition')) {
      expect(task.inputs.executionRoleArn).toBe(LAB_ROLE);
      if (task.name !== 'migrations-task') expect(task.inputs.taskRoleArn).toBe(LAB_ROLE);
    }
    expect(d.get('aws:lambda/function:Function', 'migrations-runner').inputs.role).toBe(LAB_ROLE);
  });

  it('serves HTTPS with the certificate and redirects HTTP to it', () => {
    const https = d.get('aws:lb/listener:Listener', 'alb-https').inputs;
    expect(https).toMatchObject({ port: 443, protocol: 'HTTPS', certificateArn: CERTIFICATE });
    expect(https.sslPolicy).toMatch(/^ELBSecurityPolicy-TLS13/);
    expect(https.defaultActions[0].type).toBe('forward');
    const http = d.get('aws:lb/listener:Listener', 'alb-http').inputs;
    expect(http).toMatchObject({ port: 80, protocol: 'HTTP' });
    expect(http.defaultActions).toEqual([
      { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } },
    ]);
    expect(d.outputs.apiUrl).toBe('https://ocr.example.com');
    expect(d.outputs.docsUrl).toBe('https://ocr.example.com/docs');
  });

  it('e-mails the alarms to the configured address', () => {
    const subscriptions = d.all('aws:sns/topicSubscription:TopicSubscription');
    expect(subscriptions.map((s) => s.inputs)).toEqual([
      expect.objectContaining({
        topic: d.outputs.alarmTopicArn,
        protocol: 'email',
        endpoint: 'oncall@example.com',
      }),
    ]);
  });

  it('deploys the prebuilt worker image without building it or creating its repository', () => {
    expect(
      d
        .all('docker-build:index:Image')
        .map((i) => i.name)
        .sort(),
    ).toEqual(['images-audit-logger', 'images-jobs-api']);
    expect(
      d
        .all('aws:ecr/repository:Repository')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['images-audit-logger', 'images-jobs-api']);
    expect(containerOf(d.get('aws:ecs/taskDefinition:TaskDefinition', 'services-ocr-worker')).image).toBe(
      PREBUILT_WORKER,
    );
  });
});

describe('the defaults: a protected production stack with a NAT gateway per zone when asked', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await deploy({ natGatewayPerAz: 'true', availabilityZones: '3' });
  });

  it('routes each private subnet through the NAT gateway of its own zone', () => {
    expect(d.all('aws:ec2/natGateway:NatGateway')).toHaveLength(3);
    for (const i of [0, 1, 2]) {
      expect(d.get('aws:ec2/natGateway:NatGateway', `network-nat-${i}`).inputs.subnetId).toBe(
        `network-public-${i}-id`,
      );
      expect(d.get('aws:ec2/routeTable:RouteTable', `network-private-${i}`).inputs.routes).toEqual([
        { cidrBlock: '0.0.0.0/0', natGatewayId: `network-nat-${i}-id` },
      ]);
    }
  });

  it('protects the data: deletion protection, a final snapshot, 7 days of backups, no forced bucket deletion', () => {
    expect(d.get('aws:rds/instance:Instance', 'db-mysql').inputs).toMatchObject({
      instanceClass: 'db.t3.micro',
      deletionProtection: true,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: 'ocr-jobs-test-mysql-final',
      backupRetentionPeriod: 7,
    });
    expect(d.get('aws:dynamodb/table:Table', 'audit-table').inputs.deletionProtectionEnabled).toBe(true);
    expect(d.get('aws:s3/bucket:Bucket', 'storage-files').inputs.forceDestroy).toBe(false);
    for (const repository of d.all('aws:ecr/repository:Repository'))
      expect(repository.inputs.forceDelete).toBe(false);
  });

  it('names everything from the stack when no prefix is configured, and sets no CORS without origins', () => {
    // Bucket names are global: the account id keeps another account's `test` stack from colliding.
    expect(d.outputs.bucketName).toBe('ocr-jobs-test-files-123456789012');
    expect(d.all('aws:s3/bucketCorsConfiguration:BucketCorsConfiguration')).toEqual([]);
  });
});
