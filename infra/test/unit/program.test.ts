import * as pulumi from '@pulumi/pulumi';
import { loadInfraConfig } from '../../src/config';
import { ACCOUNT, REGION, stackFileValues } from '../support/deploy';

/** The entry point as `pulumi up` runs it: config from the stack, every output exported. */
describe('the program entry point', () => {
  it('reads the stack configuration and exports the outputs an operator needs', async () => {
    // Prepare: the dev stack's settings, as the Pulumi engine would hand them over
    const config: Record<string, string> = { 'aws:region': REGION };
    for (const [key, value] of Object.entries(stackFileValues())) config[`ocr-jobs:${key}`] = value;
    pulumi.runtime.setAllConfig(config);
    // Act
    const program = require('../../src/index') as Record<string, pulumi.Output<string>>;
    const outputs = Object.fromEntries(
      await Promise.all(
        Object.entries(program).map(
          ([key, output]) =>
            new Promise<[string, string]>((resolve) => output.apply((v) => resolve([key, v]))),
        ),
      ),
    );
    // Assess
    expect(Object.keys(outputs).sort()).toEqual([
      'alarmTopicArn',
      'apiUrl',
      'assignPublicIp',
      'auditDeadLetterQueueUrl',
      'auditQueueUrl',
      'auditTableName',
      'bootstrapApiKeySecretArn',
      'bucketName',
      'clusterName',
      'dashboardUrl',
      'databaseEndpoint',
      'databaseSecretArn',
      'docsUrl',
      'ecrRepositoryUrls',
      'logGroupNames',
      'migrationFunctionName',
      'ocrDeadLetterQueueUrl',
      'ocrQueueUrl',
      'privateSubnetIds',
      'securityGroupIds',
      'taskDefinitionFamilies',
      'webhookDeadLetterQueueUrl',
      'webhookQueueUrl',
    ]);
    expect(outputs.bucketName).toBe(`ocr-jobs-dev-files-${ACCOUNT}`);
    expect(outputs.ocrQueueUrl).toBe(`https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/ocr-jobs-dev-ocr-jobs`);
    expect(outputs.apiUrl).toMatch(/^http:\/\/.+\.elb\.amazonaws\.com$/);
  });

  it('stops with one line per bad setting', async () => {
    pulumi.runtime.setAllConfig({
      'aws:region': REGION,
      'ocr-jobs:workerMaxTasks': '0',
      'ocr-jobs:typo': 'x',
    });
    expect(() => loadInfraConfig()).toThrow(
      'invalid stack configuration:\n  ocr-jobs:typo: unknown setting (see infra/README.md)\n  ocr-jobs:workerMaxTasks: expected a whole number 1-100 (got "0")',
    );
  });
});
