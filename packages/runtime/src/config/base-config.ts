import { LOG_LEVELS, physicalNames } from '@ocr-jobs/contracts';
import { z } from 'zod';
import { env } from './env-types';

/**
 * Settings every service reads. Each service extends this schema with its own (see its config.ts).
 * AWS endpoints are not settings of ours: the SDK reads AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3,
 * AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_DYNAMODB itself.
 */
const baseConfigFields = {
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { message: 'expected development, production or test' })
    .default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  AWS_REGION: z.string().min(1, { message: 'expected an AWS region such as us-east-1' }).default('us-east-1'),
  DATABASE_URL: z
    .string()
    .regex(/^(mysql|mariadb|sqlite):/, {
      message: 'expected mysql://user@host:3306/db or sqlite:path/to/file.sqlite',
    })
    .default('sqlite:.data/ocr-jobs.sqlite'),
  /** Overrides the password in DATABASE_URL, fixed for the life of the process. */
  DATABASE_PASSWORD: env.optionalString(),
  /**
   * On AWS: the Secrets Manager secret holding the password (`{"password"}`), read when a connection
   * is made and again after a refused login, so a rotated password needs no restart.
   */
  DATABASE_SECRET_ARN: env
    .optionalString()
    .refine((v) => v === undefined || /^arn:aws[a-z-]*:secretsmanager:/.test(v), {
      message: 'expected a Secrets Manager secret ARN',
    }),
  /** Locally: a file whose first line is the password, read like DATABASE_SECRET_ARN. */
  DATABASE_PASSWORD_FILE: env.optionalString(),
  /** `rds`: TLS to the database, verified against the Amazon RDS CA bundle. */
  DATABASE_TLS: z.enum(['off', 'rds'], { message: 'expected off or rds' }).default('off'),
  DATABASE_POOL_MAX: env.int(10, 1, 200),
  /** Prefix of every physical resource name, so stacks can live side by side. */
  RESOURCE_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,40}$/, {
      message: 'expected lowercase letters, digits and dashes (2-41 chars)',
    })
    .default('ocr-jobs-local'),
  S3_BUCKET: env.optionalString(),
  OCR_QUEUE_NAME: env.optionalString(),
  AUDIT_QUEUE_NAME: env.optionalString(),
  WEBHOOK_QUEUE_NAME: env.optionalString(),
  AUDIT_TABLE_NAME: env.optionalString(),
  /** Path-style S3 URLs; needed by local stand-ins, which have no wildcard DNS. */
  S3_FORCE_PATH_STYLE: env.bool(false),
};

type BaseFields = z.infer<z.ZodObject<typeof baseConfigFields>>;
type WithNames<T> = T & {
  S3_BUCKET: string;
  OCR_QUEUE_NAME: string;
  AUDIT_QUEUE_NAME: string;
  WEBHOOK_QUEUE_NAME: string;
  AUDIT_TABLE_NAME: string;
};

function resolveResourceNames<T extends BaseFields>(c: T): WithNames<T> {
  const names = physicalNames(c.RESOURCE_PREFIX);
  return {
    ...c,
    S3_BUCKET: c.S3_BUCKET ?? names.bucket,
    OCR_QUEUE_NAME: c.OCR_QUEUE_NAME ?? names.ocrQueue,
    AUDIT_QUEUE_NAME: c.AUDIT_QUEUE_NAME ?? names.auditQueue,
    WEBHOOK_QUEUE_NAME: c.WEBHOOK_QUEUE_NAME ?? names.webhookQueue,
    AUDIT_TABLE_NAME: c.AUDIT_TABLE_NAME ?? names.auditTable,
  };
}

/** A service's config schema: the base settings plus its own fields, resource names resolved. */
export function defineConfig<F extends z.ZodRawShape>(serviceFields: F) {
  type Parsed = BaseFields & z.infer<z.ZodObject<F>>;
  return z
    .object({ ...baseConfigFields, ...serviceFields })
    .transform((c) => resolveResourceNames(c as unknown as Parsed));
}

export const baseConfigSchema = defineConfig({});
/** The settings every service has; a service's own config type extends it. */
export type BaseConfig = WithNames<BaseFields>;
