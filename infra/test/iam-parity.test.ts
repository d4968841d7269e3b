/**
 * IAM parity: every AWS call a service made while its test suite ran is allowed by the task-role
 * policy this program renders, as judged by a real IAM policy evaluator. The local stand-ins allow
 * everything; AWS does not, so this is where a missing permission shows up before a deploy.
 *
 * The calls come from the services' own test runs: jest.global-setup.js turns on the recorder
 * (AWS_CALL_LOG) and each service writes services/<name>/.aws-calls/calls.jsonl. turbo runs this test
 * after the services' tests (turbo.json: @ocr-jobs/infra#test, @ocr-jobs/infra#test:integration). A service without recorded calls
 * fails this test: an empty log proves nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { physicalNames, resourceDefinition } from '@ocr-jobs/contracts';
import type { RecordedCall } from '@ocr-jobs/runtime';
import { ACCOUNT, deploy, stackFileValues, type Deployment } from './support/deploy';
import {
  iamRequestsOf,
  UnknownResourceError,
  type DeployedArns,
  type IamRequest,
} from './support/iam-requests';
import { statementsOf, type PolicyStatement } from './support/inspect';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SERVICES = ['jobs-api', 'ocr-worker', 'audit-logger'] as const;

function recordedCalls(service: string): RecordedCall[] {
  const file = path.join(REPO_ROOT, 'services', service, '.aws-calls', 'calls.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RecordedCall);
}

let d: Deployment;
let arns: DeployedArns;
beforeAll(async () => {
  d = await deploy(stackFileValues());
  const names = physicalNames(d.config.resourcePrefix);
  const arnOf = (type: string, name: string) => d.all(type).find((r) => r.inputs.name === name)!.state.arn;
  const q = resourceDefinition.queues;
  arns = {
    bucket: d.get('aws:s3/bucket:Bucket', 'storage-files').state.arn,
    queues: Object.fromEntries(
      [
        [q.ocr.name, names.ocrQueue],
        [q.ocr.deadLetter.name, names.ocrDeadLetterQueue],
        [q.audit.name, names.auditQueue],
        [q.audit.deadLetter.name, names.auditDeadLetterQueue],
        [q.webhook.name, names.webhookQueue],
        [q.webhook.deadLetter.name, names.webhookDeadLetterQueue],
      ].map(([logical, physical]) => [logical, arnOf('aws:sqs/queue:Queue', physical!)]),
    ),
    tables: {
      [resourceDefinition.auditTable.name]: arnOf('aws:dynamodb/table:Table', names.auditTable),
    },
    secrets: Object.fromEntries(
      d
        .all('aws:secretsmanager/secret:Secret')
        .map((r) => [String(r.inputs.name).split('/').pop()!, r.state.arn as string]),
    ),
  };
});

/** The bucket policy applies to every S3 request (it denies plain HTTP; the SDK uses HTTPS). */
const bucketPolicy = () =>
  JSON.parse(d.get('aws:s3/bucketPolicy:BucketPolicy', 'storage-files').inputs.policy);

async function decide(service: string, request: IamRequest): Promise<string> {
  const s3 = request.action.startsWith('s3:');
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:role/iam-${service}`,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: { 'aws:SecureTransport': 'true' },
      },
      identityPolicies: [
        {
          name: `iam-${service}`,
          policy: { Version: '2012-10-17', Statement: statementsOf(d, `iam-${service}`) },
        },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(s3 ? { resourcePolicy: bucketPolicy() } : {}),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(
      `iam-simulate refused ${request.action} ${request.resource}: ${JSON.stringify(result.errors)}`,
    );
  }
  return result.overallResult;
}

/** `*` in an IAM resource pattern matches any characters. */
const matches = (pattern: string, resource: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(resource);

describe.each(SERVICES)('the %s task role', (service) => {
  it('allows every AWS call the service made in its tests, and lists what it grants but never used', async () => {
    const calls = recordedCalls(service);
    // Vacuous success is failure: the services' tests must have run with the recorder on first.
    if (calls.length === 0) {
      throw new Error(
        `no AWS calls recorded for ${service} (services/${service}/.aws-calls/calls.jsonl): run its tests first (npm test does)`,
      );
    }
    const unique = new Map<string, IamRequest>();
    const faults = new Set<string>();
    for (const call of calls) {
      try {
        for (const request of iamRequestsOf(call, arns))
          unique.set(`${request.action} ${request.resource}`, request);
      } catch (error) {
        if (!(error instanceof UnknownResourceError)) throw error;
        faults.add(`${call.service}:${call.action} (${error.message})`);
      }
    }
    expect(unique.size).toBeGreaterThan(0);
    const denied: string[] = [];
    for (const request of unique.values()) {
      const decision = await decide(service, request);
      if (decision !== 'Allowed') denied.push(`${request.action} on ${request.resource}: ${decision}`);
    }
    expect(denied).toEqual([]);

    // Least privilege: granted action/resource pairs no recorded call needed (informational).
    const used = [...unique.values()];
    const unused = statementsOf(d, `iam-${service}`).flatMap((s: PolicyStatement) =>
      s.Action.flatMap((action) =>
        (s.Resource === '*' ? ['*'] : s.Resource)
          .filter((pattern) => !used.some((r) => r.action === action && matches(pattern, r.resource)))
          .map((pattern) => `${action} on ${pattern}`),
      ),
    );
    if (faults.size > 0) {
      // eslint-disable-next-line no-console -- what was left out, for the reader of the test log
      console.log(
        `${service}: calls to resources the program does not create (test faults):\n  ${[...faults].join('\n  ')}`,
      );
    }
    if (unused.length > 0) {
      // eslint-disable-next-line no-console -- the least-privilege report is for the reader of the test log
      console.log(`${service}: granted but not used by any recorded call:\n  ${unused.join('\n  ')}`);
    }
  });
});
