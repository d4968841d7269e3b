import { physicalNames, type PhysicalNames } from '@ocr-jobs/contracts';
import { createAwsClients, type AwsClients } from '@ocr-jobs/runtime';
import { randomBytes } from 'node:crypto';
import { startDynalite, startFauxqs, type Emulator } from './emulators';
import { provisionResources, type ProvisionedResources } from './provision';

export interface TestStack {
  fauxqs: Emulator;
  dynalite: Emulator;
  names: PhysicalNames;
  resources: ProvisionedResources;
  /** Clients pointed at the stand-ins, for the test's own setup and assertions (never recorded). */
  clients: AwsClients;
  /**
   * Clients for the service under test when it runs in-process: the same stand-ins, but their calls
   * are recorded when AWS_CALL_LOG is set (infra's IAM parity test checks them against the task role).
   */
  serviceClients: AwsClients;
  /** Environment for a service under test (process or in-process config): endpoints, region, names. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export const TEST_REGION = 'us-east-1';
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Starts fauxqs and dynalite on free ports and provisions every resource under a unique prefix. */
export async function startTestStack(): Promise<TestStack> {
  const [fauxqs, dynalite] = await Promise.all([startFauxqs(), startDynalite()]);
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const names = physicalNames(prefix);
  const clientOptions = {
    region: TEST_REGION,
    s3ForcePathStyle: true,
    credentials: TEST_CREDENTIALS,
    endpoints: { s3: fauxqs.endpoint, sqs: fauxqs.endpoint, dynamodb: dynalite.endpoint },
  };
  const clients = createAwsClients({ ...clientOptions, recordCalls: false });
  const serviceClients = createAwsClients(clientOptions);
  const resources = await provisionResources(clients, names);
  const env = {
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: fauxqs.endpoint,
    AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    RESOURCE_PREFIX: prefix,
  };
  return {
    fauxqs,
    dynalite,
    names,
    resources,
    clients,
    serviceClients,
    env,
    async stop() {
      clients.destroy();
      serviceClients.destroy();
      await Promise.all([fauxqs.stop(), dynalite.stop()]);
    },
  };
}
