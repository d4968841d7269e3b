import { z } from 'zod';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Sequelize } from 'sequelize-typescript';
import { env, type Logger } from '@ocr-jobs/runtime';
import { OUTBOX_DESTINATIONS, type OutboxDestination } from '../models/outbox-message.model';
import { OutboxRelay } from './outbox-relay';

/**
 * The outbox relay's settings, for the config schema of every service that writes outbox rows.
 * `owned` is the service's default for OUTBOX_RELAY_DESTINATIONS: the destinations whose rows this
 * service relays (and so the queues its task role may send to).
 */
export function outboxRelayConfigFields(owned: readonly OutboxDestination[]) {
  return {
    /** Destinations (comma-separated: ocr, audit, webhook) whose outbox rows this process sends. */
    OUTBOX_RELAY_DESTINATIONS: env
      .list([...owned])
      .pipe(
        z
          .array(z.enum(OUTBOX_DESTINATIONS, { message: `expected ${OUTBOX_DESTINATIONS.join(' or ')}` }))
          .min(1, { message: 'expected at least one destination' }),
      ),
    /** Rows claimed per round. */
    OUTBOX_RELAY_BATCH_SIZE: env.int(100, 1, 1000),
    /** Pause between rounds when there was nothing (more) to send. */
    OUTBOX_RELAY_INTERVAL_MS: env.int(1000, 10, 600_000),
    /**
     * How long a claim keeps other relays off the rows. A relay that dies mid-round leaves its rows
     * claimed this long; then another relay sends them. Longer than a SendMessageBatch with retries.
     */
    OUTBOX_RELAY_LEASE_MS: env.int(60_000, 100, 3_600_000),
    /** First delay before a failed row is tried again; doubles per attempt, with jitter. */
    OUTBOX_RELAY_BACKOFF_MS: env.int(500, 1, 3_600_000),
    /** Longest delay between attempts of a failed row. */
    OUTBOX_RELAY_BACKOFF_MAX_MS: env.int(60_000, 1, 86_400_000),
  };
}

export type OutboxRelaySettings = z.infer<z.ZodObject<ReturnType<typeof outboxRelayConfigFields>>>;

/** The relay's tuning, read from the parsed config. */
export function outboxRelayTuning(settings: OutboxRelaySettings) {
  return {
    batchSize: settings.OUTBOX_RELAY_BATCH_SIZE,
    intervalMs: settings.OUTBOX_RELAY_INTERVAL_MS,
    leaseMs: settings.OUTBOX_RELAY_LEASE_MS,
    backoff: { baseMs: settings.OUTBOX_RELAY_BACKOFF_MS, maxMs: settings.OUTBOX_RELAY_BACKOFF_MAX_MS },
  };
}

/** The queue URLs of the destinations this process owns; the relay sends only those rows. */
export function ownedQueueUrls(
  settings: Pick<OutboxRelaySettings, 'OUTBOX_RELAY_DESTINATIONS'>,
  queueUrls: Record<OutboxDestination, string>,
): Partial<Record<OutboxDestination, string>> {
  return Object.fromEntries(settings.OUTBOX_RELAY_DESTINATIONS.map((d) => [d, queueUrls[d]]));
}

/** The tuning the config schema gives when nothing is set (tests and tools that build a relay). */
export function defaultOutboxRelayTuning() {
  return outboxRelayTuning(z.object(outboxRelayConfigFields(OUTBOX_DESTINATIONS)).parse({}));
}

/** The relay of a service: the destinations it owns, tuned by its config. */
export function createOutboxRelay(
  settings: OutboxRelaySettings,
  deps: { db: Sequelize; sqs: SQSClient; queueUrls: Record<OutboxDestination, string>; logger: Logger },
): OutboxRelay {
  return new OutboxRelay({
    ...deps,
    queueUrls: ownedQueueUrls(settings, deps.queueUrls),
    ...outboxRelayTuning(settings),
  });
}
