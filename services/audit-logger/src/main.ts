import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, createLogger, resolveQueueUrl } from '@ocr-jobs/core';
import { loadConfig } from './config';

async function main() {
  const config = loadConfig();
  const logger = createLogger('audit-logger', config.LOG_LEVEL);
  const clients = createAwsClients({
    region: config.AWS_REGION,
    s3ForcePathStyle: config.S3_FORCE_PATH_STYLE,
  });
  const queueUrl = await resolveQueueUrl(clients.sqs, config.AUDIT_QUEUE_NAME);
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  logger.info('connected to queue', {
    queue_url: queueUrl,
    visible_messages: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
  });
  const keepAlive = setInterval(() => undefined, 60_000);
  const shutdown = (signal: string) => {
    logger.info('stopped', { signal });
    clearInterval(keepAlive);
    clients.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(
    JSON.stringify({
      level: 'error',
      message: 'audit-logger failed to start',
      service: 'audit-logger',
      error: String(error),
      cause: String((error as Error).cause ?? ''),
    }),
  );
  process.exit(1);
});
