import { resourceDefinition } from '@ocr-jobs/contracts';
import { httpKeepAlive } from '@ocr-jobs/runtime';
import { ACCOUNT, REGION, deploy, stackFileValues, type Deployment } from '../support/deploy';

/**
 * What AWS does and the local stand-ins do not: engine support windows, TLS, global bucket names,
 * keep-alive races with the load balancer, what an operator needs after `pulumi up`.
 */
let d: Deployment;
beforeAll(async () => {
  d = await deploy(stackFileValues());
});

describe('the database', () => {
  it('is MySQL 8.4 LTS and never billed for RDS Extended Support', () => {
    const db = d.get('aws:rds/instance:Instance', 'db-mysql').inputs;
    expect(db.engineVersion).toMatch(/^8\.4/);
    expect(db.engineLifecycleSupport).toBe('open-source-rds-extended-support-disabled');
  });

  it('accepts TLS connections only, through its parameter group', () => {
    const params = d.get('aws:rds/parameterGroup:ParameterGroup', 'db-params').inputs;
    expect(params.family).toBe('mysql8.4');
    expect(params.parameters).toContainEqual({ name: 'require_secure_transport', value: '1' });
    expect(d.get('aws:rds/instance:Instance', 'db-mysql').inputs.parameterGroupName).toBe(
      `${d.config.resourcePrefix}-mysql`,
    );
    expect(params.name).toBe(`${d.config.resourcePrefix}-mysql`);
  });
});

describe('the files bucket', () => {
  it('has a name unique to the stack and the account', () => {
    expect(d.get('aws:s3/bucket:Bucket', 'storage-files').inputs.bucket).toBe(
      `${d.config.resourcePrefix}-files-${ACCOUNT}`,
    );
  });

  it('expires abandoned presigned uploads and aborts incomplete multipart uploads', () => {
    const rules = d.get('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration', 'storage-files')
      .inputs.rules;
    expect(rules).toContainEqual(
      expect.objectContaining({
        status: 'Enabled',
        filter: { prefix: resourceDefinition.bucket.uploadsPrefix },
        expiration: { days: resourceDefinition.bucket.uploadRetentionDays },
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        status: 'Enabled',
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      }),
    );
  });
});

describe('the load balancer and the API', () => {
  it('closes idle connections before the API does, so a reused connection is never one the API closed', () => {
    const idleTimeoutSeconds = d.get('aws:lb/loadBalancer:LoadBalancer', 'alb-alb').inputs.idleTimeout;
    const { keepAliveTimeoutMs, headersTimeoutMs } = httpKeepAlive();
    expect(idleTimeoutSeconds * 1000).toBeLessThan(keepAliveTimeoutMs);
    expect(headersTimeoutMs).toBeGreaterThan(keepAliveTimeoutMs);
  });

  it('connects as the data-only app user: only the migration task logs in as the admin', () => {
    const task = d.get('aws:ecs/taskDefinition:TaskDefinition', 'services-jobs-api');
    const env = JSON.parse(task.inputs.containerDefinitions)[0].environment as Array<{
      name: string;
      value: string;
    }>;
    const databaseUrl = env.find((variable) => variable.name === 'DATABASE_URL')?.value;
    expect(new URL(databaseUrl!).username).toBe('ocrjobs_app');
  });
});

describe('operator bootstrap', () => {
  it('generates the first API key into Secrets Manager and hands it only to the migration task', () => {
    const secretArn = d.outputs.bootstrapApiKeySecretArn;
    expect(secretArn).toBe(
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${d.config.resourcePrefix}/bootstrap-api-key-AbCdEf`,
    );
    const version = d.get('aws:secretsmanager/secretVersion:SecretVersion', 'bootstrap-api-key');
    // A secret in Pulumi's state too (encrypted there), never a plain value.
    expect(version.inputs.secretString).toEqual(
      expect.objectContaining({ value: expect.stringMatching(/^ocrj_/) }),
    );
    expect(version.opts.ignoreChanges).toEqual(['secretString']);
    for (const td of d.all('aws:ecs/taskDefinition:TaskDefinition')) {
      const uses = td.inputs.containerDefinitions.includes(secretArn);
      expect([td.name, uses]).toEqual([td.name, td.name === 'migrations-task']);
    }
  });

  it('outputs what `aws ecs run-task` and the runbook need', () => {
    const prefix = d.config.resourcePrefix;
    expect(d.outputs).toMatchObject({
      clusterName: prefix,
      privateSubnetIds: ['network-private-0-id', 'network-private-1-id'],
      assignPublicIp: false,
      securityGroupIds: { 'jobs-api': 'sg-api-id', 'ocr-worker': 'sg-worker-id', migrate: 'sg-api-id' },
      taskDefinitionFamilies: { 'jobs-api': `${prefix}-jobs-api`, migrate: `${prefix}-migrate` },
      logGroupNames: { 'jobs-api': `/ocr-jobs/${prefix}/jobs-api` },
      ecrRepositoryUrls: { 'jobs-api': `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${prefix}/jobs-api` },
      migrationFunctionName: `${prefix}-migrate`,
    });
  });
});
