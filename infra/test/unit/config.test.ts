import { InfraConfigError, loadInfraConfig } from '../../src/config';
import { stackFileValues } from '../support/deploy';

const load = (values: Record<string, string>) => loadInfraConfig(values, 'prod', 'us-east-1');

/** The lines of the error a bad configuration raises. */
function issuesOf(values: Record<string, string>): string[] {
  try {
    load(values);
  } catch (error) {
    if (error instanceof InfraConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('stack configuration', () => {
  it('has a default for every setting', () => {
    const config = load({});
    expect(config).toMatchObject({
      resourcePrefix: 'ocr-jobs-prod',
      useDefaultVpc: false,
      vpcCidr: '10.0.0.0/16',
      availabilityZones: 2,
      natGatewayPerAz: false,
      corsOrigins: [],
      ocrLanguages: ['eng', 'por', 'spa', 'fra', 'deu', 'ita'],
      dbInstanceClass: 'db.t3.micro',
      dbEngineVersion: '8.4',
      dbBackupRetentionDays: 7,
      deletionProtection: true,
      skipFinalSnapshot: false,
      forceDestroy: false,
      logLevel: 'info',
      logRetentionDays: 30,
      workerCpu: 2048,
      workerMemory: 4096,
      workerMaxTasks: 4,
      workerConcurrencyPerTask: 2,
      workerBacklogPerTaskTarget: 150,
      workerScaleInToZeroMinutes: 15,
      migrationCommand: ['node', '-e', "require('@ocr-jobs/db/dist/migrate-main.js').main()"],
    });
    expect(config.existingRoles).toBeUndefined();
    expect(config.certificateArn).toBeUndefined();
  });

  it('accepts Pulumi.dev.yaml as it is', () => {
    const config = load(stackFileValues());
    expect(config.resourcePrefix).toBe('ocr-jobs-dev');
    expect(config.corsOrigins).toEqual(['http://localhost:5173']);
    expect(config.deletionProtection).toBe(false);
  });

  it('derives the backlog target from the acceptable latency, the seconds per page and the workers per task', () => {
    const config = load({
      workerTargetLatencySeconds: '120',
      workerSecondsPerPage: '2.5',
      workerConcurrency: '3',
    });
    expect(config.workerBacklogPerTaskTarget).toBe(144); // 120 / 2.5 × 3
  });

  it('uses one existing role for both task and execution unless an execution role is given', () => {
    const role = 'arn:aws:iam::123456789012:role/LabRole';
    expect(load({ existingTaskRoleArn: role }).existingRoles).toEqual({ task: role, execution: role });
  });

  it('names every bad value on a line of its own', () => {
    expect(
      issuesOf({
        workerMaxTasks: 'many',
        deletionProtection: 'yes please',
        dbBackupRetentionDays: '0',
      }).sort(),
    ).toEqual([
      'ocr-jobs:dbBackupRetentionDays: expected a whole number 1-35 (got "0")',
      'ocr-jobs:deletionProtection: expected true or false (got "yes please")',
      'ocr-jobs:workerMaxTasks: expected a whole number 1-100 (got "many")',
    ]);
  });

  it('refuses an unknown key instead of silently using a default', () => {
    expect(issuesOf({ workerMaxTask: '3' })).toEqual([
      'ocr-jobs:workerMaxTask: unknown setting (see infra/README.md)',
    ]);
  });

  it('refuses a CPU and memory pair Fargate does not offer', () => {
    expect(issuesOf({ apiCpu: '256', apiMemory: '4096' })).toEqual([
      'ocr-jobs:apiMemory: expected 512-2048 MiB in steps of 512 for 256 CPU units (got "4096")',
    ]);
  });

  it("refuses an item timeout the OCR queue's visibility timeout would not cover", () => {
    expect(issuesOf({ workerItemTimeoutSeconds: '300' })).toEqual([
      'ocr-jobs:workerItemTimeoutSeconds: expected less than the OCR queue\'s visibility timeout (300 s) (got "300")',
    ]);
  });

  it('refuses malformed lists, ARNs and addresses', () => {
    expect(
      issuesOf({ corsOrigins: 'https://a.example', certificateArn: 'my-cert', alarmEmail: 'nobody' }).sort(),
    ).toEqual([
      'ocr-jobs:alarmEmail: expected an e-mail address (got "nobody")',
      'ocr-jobs:certificateArn: expected an ACM certificate ARN (got "my-cert")',
      'ocr-jobs:corsOrigins: expected a YAML list or map (got "https://a.example")',
    ]);
  });

  it('refuses a language list that is not tesseract codes', () => {
    expect(issuesOf({ ocrLanguages: '["eng","por+spa"]' })).toEqual([
      'ocr-jobs:ocrLanguages.1: expected tesseract language codes such as por or chi_sim (got "[\\"eng\\",\\"por+spa\\"]")',
    ]);
  });

  it('needs a region', () => {
    expect(() => loadInfraConfig({}, 'prod', '')).toThrow(/aws:region: expected an AWS region/);
  });
});
