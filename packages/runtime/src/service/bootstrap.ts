import type { QueueKey } from '@ocr-jobs/contracts';
import { createAwsClients, type AwsClients } from '../aws/clients';
import { resolveQueueUrl } from '../aws/queue-urls';
import type { BaseConfig } from '../config/base-config';

/** What every service's main.ts does first, in one place. */

/** AWS clients for the configured region; endpoints come from the SDK's AWS_ENDPOINT_URL* variables. */
export function awsClientsFor(config: BaseConfig): AwsClients {
  return createAwsClients({ region: config.AWS_REGION, s3ForcePathStyle: config.S3_FORCE_PATH_STYLE });
}

/** The URLs of the OCR, audit and webhook queues, looked up by their configured names. */
export async function resolveQueueUrls(
  clients: AwsClients,
  config: BaseConfig,
): Promise<Record<QueueKey, string>> {
  const [ocr, audit, webhook] = await Promise.all([
    resolveQueueUrl(clients.sqs, config.OCR_QUEUE_NAME),
    resolveQueueUrl(clients.sqs, config.AUDIT_QUEUE_NAME),
    resolveQueueUrl(clients.sqs, config.WEBHOOK_QUEUE_NAME),
  ]);
  return { ocr, audit, webhook };
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
