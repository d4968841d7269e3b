import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { backoffDelay, sleep, type BackoffPolicy, type Logger } from '@ocr-jobs/runtime';

export interface DynamoDbAvailabilityOptions {
  dynamodb: DynamoDBClient;
  table: string;
  logger: Logger;
  /** Pause between probes. */
  probeBackoff: BackoffPolicy;
}

/**
 * Holds the consumer back while DynamoDB is down. Every receive raises a message's receive count, and
 * at maxReceiveCount SQS moves it to the DLQ; so during an outage the logger does not receive at all,
 * it probes the table (DescribeTable) with backoff until it answers. A long outage therefore delays
 * events but never dead-letters valid ones.
 */
export class DynamoDbAvailability {
  private unavailableSince: number | undefined;
  constructor(private readonly options: DynamoDbAvailabilityOptions) {}

  get available(): boolean {
    return this.unavailableSince === undefined;
  }

  markUnavailable(error: unknown): void {
    if (this.unavailableSince !== undefined) return;
    this.unavailableSince = Date.now();
    this.options.logger.error('DynamoDB unavailable; pausing consumption until it answers', { err: error });
  }

  /** Returns once DynamoDB answers, or as soon as `signal` aborts (shutdown). */
  async waitUntilAvailable(signal: AbortSignal): Promise<void> {
    const { dynamodb, table, logger } = this.options;
    let delay = backoffDelay(0, this.options.probeBackoff);
    for (let probe = 1; this.unavailableSince !== undefined && !signal.aborted; probe++) {
      const since: number = this.unavailableSince;
      await sleep(delay, signal);
      if (signal.aborted) return;
      try {
        await dynamodb.send(new DescribeTableCommand({ TableName: table }), { abortSignal: signal });
        logger.info('DynamoDB reachable again; resuming consumption', {
          outage_ms: Date.now() - since,
          probes: probe,
        });
        this.unavailableSince = undefined;
      } catch (error) {
        if (signal.aborted) return;
        delay = backoffDelay(probe, this.options.probeBackoff);
        logger.warn('DynamoDB still unavailable', {
          probes: probe,
          outage_ms: Date.now() - since,
          next_probe_in_ms: delay,
          err: error,
        });
      }
    }
  }
}
