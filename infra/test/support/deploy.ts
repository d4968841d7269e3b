/* eslint-disable @typescript-eslint/no-explicit-any -- mock inputs and outputs are untyped JSON */
import fs from 'node:fs';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';
import { loadInfraConfig, type InfraConfig } from '../../src/config';
import { OcrJobs } from '../../src/ocr-jobs';

/**
 * Runs the program under `pulumi.runtime.setMocks`: no CLI, no cloud. Every resource it declares is
 * recorded with its inputs and options, and mock outputs are shaped like AWS's (ARNs, URLs, names),
 * so policies and references can be checked against the resources they point to.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export interface Declared {
  type: string;
  name: string;
  inputs: Record<string, any>;
  state: Record<string, any>;
  opts: { ignoreChanges?: string[]; dependsOn?: string[] };
}

const declared: Declared[] = [];
const optionsByName = new Map<string, Declared['opts']>();

function mockState(
  type: string,
  name: string,
  inputs: Record<string, any>,
): { id: string; state: Record<string, any> } {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
  switch (type) {
    case 'aws:sqs/queue:Queue': {
      const url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${inputs.name}`;
      return { id: url, state: { ...inputs, url, arn: arn('sqs', inputs.name) } };
    }
    case 'aws:s3/bucket:Bucket':
      return { id: inputs.bucket, state: { ...inputs, arn: `arn:aws:s3:::${inputs.bucket}` } };
    case 'aws:dynamodb/table:Table':
      return { id: inputs.name, state: { ...inputs, arn: arn('dynamodb', `table/${inputs.name}`) } };
    case 'aws:rds/instance:Instance':
      return {
        id: inputs.identifier,
        state: {
          ...inputs,
          address: `${inputs.identifier}.abc.${REGION}.rds.amazonaws.com`,
          port: 3306,
          endpoint: `${inputs.identifier}.abc.${REGION}.rds.amazonaws.com:3306`,
          masterUserSecrets: [
            { secretArn: arn('secretsmanager', 'secret:rds!db-0123-AbCdEf'), secretStatus: 'active' },
          ],
        },
      };
    case 'aws:ecs/cluster:Cluster':
      return { id: inputs.name, state: { ...inputs, arn: arn('ecs', `cluster/${inputs.name}`) } };
    case 'aws:ecs/taskDefinition:TaskDefinition':
      return {
        id: inputs.family,
        state: { ...inputs, arn: arn('ecs', `task-definition/${inputs.family}:7`) },
      };
    case 'aws:ecs/service:Service':
      return { id: inputs.name, state: { ...inputs } };
    case 'aws:lb/loadBalancer:LoadBalancer':
      return {
        id: name,
        state: {
          ...inputs,
          arn: arn('elasticloadbalancing', `loadbalancer/app/${name}/1`),
          arnSuffix: `app/${name}/1`,
          dnsName: `${name}-1.${REGION}.elb.amazonaws.com`,
        },
      };
    case 'aws:lb/targetGroup:TargetGroup':
      return {
        id: name,
        state: {
          ...inputs,
          arn: arn('elasticloadbalancing', `targetgroup/${name}/2`),
          arnSuffix: `targetgroup/${name}/2`,
        },
      };
    case 'aws:ecr/repository:Repository':
      return {
        id: inputs.name,
        state: {
          ...inputs,
          arn: arn('ecr', `repository/${inputs.name}`),
          registryId: ACCOUNT,
          repositoryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${inputs.name}`,
        },
      };
    case 'docker-build:index:Image':
      return {
        id: name,
        state: {
          ...inputs,
          ref: `${String(inputs.tags[0]).replace(/:latest$/, '')}@sha256:${'ab'.repeat(32)}`,
          digest: `sha256:${'ab'.repeat(32)}`,
        },
      };
    case 'aws:secretsmanager/secret:Secret':
      return {
        id: inputs.name,
        state: { ...inputs, arn: arn('secretsmanager', `secret:${inputs.name}-AbCdEf`) },
      };
    case 'aws:cloudwatch/logGroup:LogGroup':
      return { id: inputs.name, state: { ...inputs, arn: arn('logs', `log-group:${inputs.name}`) } };
    case 'aws:iam/role:Role':
      return { id: name, state: { ...inputs, name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}` } };
    case 'aws:lambda/function:Function':
      return { id: inputs.name, state: { ...inputs, arn: arn('lambda', `function:${inputs.name}`) } };
    case 'aws:sns/topic:Topic':
      return { id: name, state: { ...inputs, arn: arn('sns', inputs.name) } };
    case 'aws:cloudwatch/metricAlarm:MetricAlarm':
      return { id: name, state: { ...inputs, arn: arn('cloudwatch', `alarm:${inputs.name ?? name}`) } };
    case 'aws:appautoscaling/policy:Policy':
      return { id: name, state: { ...inputs, arn: arn('autoscaling', `scalingPolicy:${name}`) } };
    default:
      return { id: `${name}-id`, state: { ...inputs, arn: arn('mock', `${type}/${name}`) } };
  }
}

void pulumi.runtime.setMocks(
  {
    newResource(args) {
      const { id, state } = mockState(args.type, args.name, args.inputs);
      declared.push({
        type: args.type,
        name: args.name,
        inputs: args.inputs,
        state,
        opts: optionsByName.get(`${args.type}::${args.name}`) ?? {},
      });
      return { id, state };
    },
    call(args) {
      switch (args.token) {
        case 'aws:index/getAvailabilityZones:getAvailabilityZones':
          return {
            names: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
            zoneIds: ['use1-az1', 'use1-az2', 'use1-az3'],
          };
        case 'aws:secretsmanager/getRandomPassword:getRandomPassword':
          return { randomPassword: 'generated-password', id: 'random' };
        case 'aws:index/getCallerIdentity:getCallerIdentity':
          return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/deployer`, userId: 'AIDA' };
        case 'aws:ec2/getVpc:getVpc':
          return { id: 'vpc-default', cidrBlock: '172.31.0.0/16' };
        case 'aws:ec2/getSubnets:getSubnets':
          return { ids: ['subnet-default-a', 'subnet-default-b', 'subnet-default-c'] };
        case 'aws:ecr/getAuthorizationToken:getAuthorizationToken':
          return {
            userName: 'AWS',
            password: 'registry-token',
            proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`,
          };
        default:
          throw new Error(`unexpected invoke ${args.token}`);
      }
    },
  },
  'ocr-jobs',
  'test',
  false,
);

export interface Deployment {
  config: InfraConfig;
  resources: Declared[];
  outputs: Record<string, any>;
  /** Every declared resource of a type (e.g. 'aws:sqs/queue:Queue'). */
  all(type: string): Declared[];
  /** The one resource of a type with this logical name. */
  get(type: string, name: string): Declared;
}

/** The ocr-jobs:* values of a stack file, as Pulumi hands them to the program (strings; lists and maps as JSON). */
export function stackFileValues(
  file = path.join(__dirname, '..', '..', '..', 'Pulumi.dev.yaml'),
): Record<string, string> {
  const config = (parse(fs.readFileSync(file, 'utf8')) as { config: Record<string, unknown> }).config;
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!key.startsWith('ocr-jobs:')) continue;
    values[key.slice('ocr-jobs:'.length)] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return values;
}

let deployments = 0;

/** Declares the whole program with these ocr-jobs:* values and waits until every resource is registered. */
export async function deploy(values: Record<string, string> = {}): Promise<Deployment> {
  const config = loadInfraConfig(values, 'test', REGION);
  declared.length = 0;
  optionsByName.clear();
  // Transformations see each resource's options before it registers; mocks see only its inputs.
  const captureOptions: pulumi.ResourceTransformation = ({ type, name, opts }) => {
    optionsByName.set(`${type}::${name}`, {
      ignoreChanges: opts.ignoreChanges,
      dependsOn: ([] as unknown[])
        .concat(opts.dependsOn ?? [])
        .map((r) => (r as { __name?: string }).__name ?? '?'),
    });
    return undefined;
  };
  const app = new OcrJobs(`ocr-jobs-${++deployments}`, config, { transformations: [captureOptions] });
  const outputs: Record<string, any> = {};
  await Promise.all(
    Object.entries(app.outputs).map(
      ([key, output]) =>
        new Promise<void>((resolve) =>
          (output as pulumi.Output<unknown>).apply((v) => {
            outputs[key] = v;
            resolve();
          }),
        ),
    ),
  );
  await (require('@pulumi/pulumi/runtime/settings') as { waitForRPCs(): Promise<void> }).waitForRPCs();
  const resources = [...declared];
  return {
    config,
    resources,
    outputs,
    all: (type) => resources.filter((r) => r.type === type),
    get(type, name) {
      const found = resources.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
      return found[0]!;
    },
  };
}
