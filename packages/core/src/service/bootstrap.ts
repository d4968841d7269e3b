import type { Sequelize } from 'sequelize-typescript';
import { createAwsClients, type AwsClients } from '../aws/clients';
import { resolveQueueUrl } from '../aws/queue-urls';
import type { BaseConfig } from '../config/base-config';
import { createDatabase } from '../db/database';
import { filePassword, secretsManagerPassword, type PasswordSource } from '../db/password-source';
import type { Logger } from '../logging/logger';
import type { OutboxDestination } from '../db/statuses';

/** What every service's main.ts does first, in one place. */

/** The database of the configured URL; the password from the secret, the file or DATABASE_PASSWORD. */
export function openDatabase(config: BaseConfig, logger: Logger): Sequelize {
  return createDatabase({
    url: config.DATABASE_URL,
    password: config.DATABASE_PASSWORD,
    passwordSource: passwordSourceFor(config),
    tls: config.DATABASE_TLS,
    poolMax: config.DATABASE_POOL_MAX,
    logger,
  });
}

/** Where a rotating password lives, if configured (a secret on AWS, a file locally). */
export function passwordSourceFor(config: BaseConfig): PasswordSource | undefined {
  if (config.DATABASE_SECRET_ARN)
    return secretsManagerPassword(config.DATABASE_SECRET_ARN, config.AWS_REGION);
  if (config.DATABASE_PASSWORD_FILE) return filePassword(config.DATABASE_PASSWORD_FILE);
  return undefined;
}

/** AWS clients for the configured region; endpoints come from the SDK's AWS_ENDPOINT_URL* variables. */
export function awsClientsFor(config: BaseConfig): AwsClients {
  return createAwsClients({ region: config.AWS_REGION, s3ForcePathStyle: config.S3_FORCE_PATH_STYLE });
}

/** The URLs of the OCR and audit queues, looked up by their configured names. */
export async function resolveQueueUrls(
  clients: AwsClients,
  config: BaseConfig,
): Promise<Record<OutboxDestination, string>> {
  const [ocr, audit] = await Promise.all([
    resolveQueueUrl(clients.sqs, config.OCR_QUEUE_NAME),
    resolveQueueUrl(clients.sqs, config.AUDIT_QUEUE_NAME),
  ]);
  return { ocr, audit };
}

/** Calls `stop` once on the first SIGTERM (ECS, Fargate scale-in) or SIGINT (Ctrl-C). */
export function onStopSignal(stop: (signal: NodeJS.Signals) => unknown): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    void stop(signal);
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}

/**
 * Runs a service's main. A failure to start is one JSON line on stderr (the logger may not exist
 * yet) with the error and its cause, then exit code 1.
 */
export function runMain(service: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const err = error as { message?: string; cause?: unknown };
    console.error(
      JSON.stringify({
        level: 'error',
        message: `${service} failed to start`,
        service,
        error: String(err?.message ?? error),
        cause: err?.cause === undefined ? undefined : String((err.cause as Error)?.message ?? err.cause),
      }),
    );
    process.exit(1);
  });
}
