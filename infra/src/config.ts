import * as pulumi from '@pulumi/pulumi';
import { z } from 'zod';
import { LOG_LEVELS, resourceDefinition } from '@ocr-jobs/contracts';

/**
 * The stack's settings, read once from `Pulumi.<stack>.yaml` and validated here. Every key lives in
 * the `ocr-jobs:` namespace; infra/README.md lists them with their defaults. An unknown key is an
 * error too, so a typo never silently falls back to a default.
 */

const PROJECT = 'ocr-jobs';

/** Values CloudWatch Logs accepts as a retention. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 3653];

/** Fargate's valid CPU (units) → memory (MiB) combinations. */
const FARGATE_MEMORY: Record<number, { min: number; max: number; step: number }> = {
  256: { min: 512, max: 2048, step: 512 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
};

// Pulumi hands every config value over as a string (lists and maps as JSON), so each type parses one.
const int = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ message: `expected a whole number ${min}-${max}` })
    .int({ message: `expected a whole number ${min}-${max}` })
    .min(min, { message: `expected a whole number ${min}-${max}` })
    .max(max, { message: `expected a whole number ${min}-${max}` })
    .default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false'], { message: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true');
const optionalString = (pattern: RegExp, message: string) =>
  z.string().regex(pattern, { message }).optional();
const json = <T extends z.ZodType>(inner: T, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected a YAML list or map' });
        return z.NEVER;
      }
    })
    .pipe(inner);
const cpu = (fallback: number) =>
  z.coerce
    .number()
    .refine((v) => v in FARGATE_MEMORY, {
      message: 'expected Fargate CPU units 256, 512, 1024, 2048 or 4096',
    })
    .default(fallback);
const envMap = json(z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string()), '{}');
const roleArn = optionalString(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'expected an IAM role ARN');
const imageUri = optionalString(
  /^\S+$/,
  'expected an image URI such as 123.dkr.ecr.us-east-1.amazonaws.com/x@sha256:…',
);

const schema = z
  .object({
    resourcePrefix: optionalString(
      /^[a-z0-9][a-z0-9-]{1,30}$/,
      'expected lowercase letters, digits and dashes (2-31 chars)',
    ),
    // Network
    useDefaultVpc: bool(false),
    vpcCidr: z
      .string()
      .regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|20)$/, { message: 'expected an IPv4 CIDR from /16 to /20' })
      .default('10.0.0.0/16'),
    availabilityZones: int(2, 2, 4),
    natGatewayPerAz: bool(false),
    // Load balancer
    certificateArn: optionalString(
      /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/,
      'expected an ACM certificate ARN',
    ),
    apiDomainName: optionalString(/^[a-z0-9.-]+$/, 'expected a host name such as ocr.example.com'),
    corsOrigins: json(
      z.array(z.string().url({ message: 'expected origins such as https://app.example.com' })),
      '[]',
    ),
    // Database
    dbInstanceClass: z
      .string()
      .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, { message: 'expected e.g. db.t3.micro' })
      .default('db.t3.micro'),
    dbEngineVersion: z
      .string()
      .regex(/^8\.[0-9.]+$/, { message: 'expected a MySQL 8 version such as 8.4 or 8.4.7' })
      // 8.4 is the LTS line (standard support to 2029); 8.0's ended 2026-07-31.
      .default('8.4'),
    dbAllocatedStorageGb: int(20, 20, 1000),
    dbMaxAllocatedStorageGb: int(100, 20, 65536),
    dbBackupRetentionDays: int(7, 1, 35),
    dbMultiAz: bool(false),
    // Teardown safety
    deletionProtection: bool(true),
    skipFinalSnapshot: bool(false),
    forceDestroy: bool(false),
    // Services
    logLevel: z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    logRetentionDays: z.coerce
      .number()
      .refine((v) => LOG_RETENTION_DAYS.includes(v), {
        message: `expected one of ${LOG_RETENTION_DAYS.join(', ')}`,
      })
      .default(30),
    cpuArchitecture: z.enum(['X86_64', 'ARM64'], { message: 'expected X86_64 or ARM64' }).default('X86_64'),
    apiCpu: cpu(512),
    apiMemory: int(1024, 512, 30720),
    apiDesiredCount: int(1, 1, 20),
    workerCpu: cpu(2048),
    workerMemory: int(4096, 512, 30720),
    workerConcurrency: int(0, 0, 64),
    workerMaxTasks: int(4, 1, 100),
    workerSecondsPerPage: z.coerce
      .number({ message: 'expected seconds' })
      .positive({ message: 'expected seconds > 0' })
      .default(4),
    workerTargetLatencySeconds: int(300, 10, 86_400),
    workerScaleInToZeroMinutes: int(15, 1, 1440),
    workerItemTimeoutSeconds: int(120, 5, 3600),
    auditLoggerCpu: cpu(256),
    auditLoggerMemory: int(512, 512, 30720),
    auditLoggerDesiredCount: int(1, 1, 10),
    metricsNamespace: z
      .string()
      .regex(/^[A-Za-z0-9_./#:-]{1,255}$/, { message: 'expected a CloudWatch namespace' })
      .default('OcrJobs'),
    // What the workers read, passed to both services (OCR_LANGUAGES): the API image has no models to
    // look at. eng, por and fra come from npm; the others from the worker image's tesseract-ocr-<lang>
    // packages (its Dockerfile's OCR_LANGUAGE_PACKAGES), so a language added here must be added there.
    ocrLanguages: json(
      z
        .array(
          z.string().regex(/^[a-z]{3}(?:_[a-z]{3,4}){0,2}$/, {
            message: 'expected tesseract language codes such as por or chi_sim',
          }),
        )
        .min(1, { message: 'expected at least one language' }),
      JSON.stringify(['eng', 'por', 'spa', 'fra', 'deu', 'ita']),
    ),
    apiEnvironment: envMap,
    workerEnvironment: envMap,
    auditLoggerEnvironment: envMap,
    apiImage: imageUri,
    workerImage: imageUri,
    auditLoggerImage: imageUri,
    migrationCommand: json(
      z.array(z.string()).min(1, { message: 'expected the command as a list' }),
      JSON.stringify(['node', '-e', "require('@ocr-jobs/db/dist/migrate-main.js').main()"]),
    ),
    // IAM (restricted accounts)
    existingTaskRoleArn: roleArn,
    existingExecutionRoleArn: roleArn,
    // Monitoring
    alarmEmail: z.string().email({ message: 'expected an e-mail address' }).optional(),
    alarmOldestMessageAgeSeconds: int(1800, 60, 1_209_600),
    alarmAlb5xxPerFiveMinutes: int(10, 1, 100_000),
    alarmDbCpuPercent: int(80, 1, 100),
    alarmDbFreeStorageGb: int(2, 1, 1000),
    alarmWorkerErrorsPerFiveMinutes: int(5, 1, 100_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const service of ['api', 'worker', 'auditLogger'] as const) {
      const range = FARGATE_MEMORY[c[`${service}Cpu`]];
      const memory = c[`${service}Memory`];
      if (range && (memory < range.min || memory > range.max || memory % range.step !== 0)) {
        ctx.addIssue({
          code: 'custom',
          path: [`${service}Memory`],
          message: `expected ${range.min}-${range.max} MiB in steps of ${range.step} for ${c[`${service}Cpu`]} CPU units`,
        });
      }
    }
    if (c.dbMaxAllocatedStorageGb < c.dbAllocatedStorageGb) {
      ctx.addIssue({
        code: 'custom',
        path: ['dbMaxAllocatedStorageGb'],
        message: 'expected at least dbAllocatedStorageGb',
      });
    }
    // The OCR message must stay invisible for longer than the worker may hold it without a heartbeat.
    const visibility = resourceDefinition.queues.ocr.visibilityTimeoutSeconds;
    if (c.workerItemTimeoutSeconds >= visibility) {
      ctx.addIssue({
        code: 'custom',
        path: ['workerItemTimeoutSeconds'],
        message: `expected less than the OCR queue's visibility timeout (${visibility} s)`,
      });
    }
    if (c.existingExecutionRoleArn && !c.existingTaskRoleArn) {
      ctx.addIssue({
        code: 'custom',
        path: ['existingTaskRoleArn'],
        message: 'expected together with existingExecutionRoleArn',
      });
    }
    if (c.apiDomainName && !c.certificateArn) {
      ctx.addIssue({ code: 'custom', path: ['apiDomainName'], message: 'expected only with certificateArn' });
    }
  });

type Parsed = z.infer<typeof schema>;

export interface InfraConfig extends Omit<
  Parsed,
  'resourcePrefix' | 'existingTaskRoleArn' | 'existingExecutionRoleArn'
> {
  readonly stack: string;
  readonly region: string;
  /** Prefix of every physical name (`physicalNames(prefix)`); defaults to `ocr-jobs-<stack>`. */
  readonly resourcePrefix: string;
  /** Existing roles to use instead of creating them (accounts that cannot create IAM roles). */
  readonly existingRoles?: { readonly task: string; readonly execution: string };
  /** OCR workers per task: workerConcurrency, or one per vCPU. */
  readonly workerConcurrencyPerTask: number;
  /**
   * Visible OCR messages per running task the autoscaler aims for: what one task reads within the
   * acceptable latency at the measured seconds per page.
   */
  readonly workerBacklogPerTaskTarget: number;
}

export class InfraConfigError extends pulumi.RunError {
  constructor(readonly issues: string[]) {
    super(`invalid stack configuration:\n  ${issues.join('\n  ')}`);
  }
}

/**
 * Reads and validates the stack's configuration: `values` are the `ocr-jobs:*` keys without their
 * namespace (default: the running stack's config). Throws {@link InfraConfigError} with one line per
 * bad value.
 */
export function loadInfraConfig(
  values: Record<string, string> = projectConfig(),
  stack = pulumi.getStack(),
  region = pulumi.runtime.allConfig()['aws:region'] ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION,
): InfraConfig {
  const issues: string[] = [];
  if (!region) issues.push('aws:region: expected an AWS region such as us-east-1 (not set)');
  const result = schema.safeParse(values);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) issues.push(`${PROJECT}:${key}: unknown setting (see infra/README.md)`);
        continue;
      }
      const key = issue.path.map(String).join('.');
      const value = values[String(issue.path[0])];
      issues.push(
        `${PROJECT}:${key}: ${issue.message} (${value === undefined ? 'not set' : `got ${JSON.stringify(value)}`})`,
      );
    }
  }
  if (issues.length > 0 || !result.success || !region) throw new InfraConfigError(issues.sort());

  const { resourcePrefix, existingTaskRoleArn, existingExecutionRoleArn, ...rest } = result.data;
  const workerConcurrencyPerTask = rest.workerConcurrency || Math.max(1, Math.floor(rest.workerCpu / 1024));
  const pagesPerTaskWithinLatency =
    (rest.workerTargetLatencySeconds / rest.workerSecondsPerPage) * workerConcurrencyPerTask;
  return {
    ...rest,
    stack,
    region,
    resourcePrefix:
      resourcePrefix ??
      `${PROJECT}-${stack}`
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .slice(0, 31),
    existingRoles: existingTaskRoleArn
      ? { task: existingTaskRoleArn, execution: existingExecutionRoleArn ?? existingTaskRoleArn }
      : undefined,
    workerConcurrencyPerTask,
    workerBacklogPerTaskTarget: Math.max(1, Math.floor(pagesPerTaskWithinLatency)),
  };
}

function projectConfig(): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(`${PROJECT}:`)) values[key.slice(PROJECT.length + 1)] = value;
  }
  return values;
}
