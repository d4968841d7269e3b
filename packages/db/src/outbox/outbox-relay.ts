import { randomUUID } from 'node:crypto';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Op, QueryTypes, Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { backoffDelay, type BackoffPolicy, type Logger } from '@ocr-jobs/runtime';
import { OUTBOX_DESTINATIONS, OutboxMessage, type OutboxDestination } from '../models/outbox-message.model';

export interface OutboxRelayOptions {
  db: Sequelize;
  sqs: SQSClient;
  /**
   * The destinations this relay owns, with their queue URLs. Rows of any other destination are left
   * to the relays of the processes that own them (see OUTBOX_RELAY_DESTINATIONS).
   */
  queueUrls: Partial<Record<OutboxDestination, string>>;
  logger: Logger;
  /** Rows claimed per round. */
  batchSize: number;
  /** Pause between rounds when idle. */
  intervalMs: number;
  /** How long a claim keeps other relays off the rows it names. */
  leaseMs: number;
  /** Delay before a row whose send failed is tried again. */
  backoff: BackoffPolicy;
}

const SQS_BATCH = 10;

/** What one relay round did with the rows it claimed. */
interface RoundResult {
  sent: number[];
  /** Row id → why SQS did not take it. */
  failed: Map<number, string>;
}

/**
 * Sends outbox rows to SQS and deletes them once SQS has accepted them. Several relays (every API
 * task, every worker) may run at once. A round:
 *
 * 1. claims up to `batchSize` due rows of its destinations in a short transaction (on MySQL
 *    `SELECT … FOR UPDATE SKIP LOCKED`, on SQLite the write lock of BEGIN IMMEDIATE) by writing its
 *    round id and a lease end into them, and commits;
 * 2. sends them with SendMessageBatch outside any transaction, so no writer of any process waits for
 *    SQS or the SDK's retries;
 * 3. deletes the sent rows and reschedules the failed ones (backoff), each with one statement that
 *    touches only rows still claimed by this round.
 *
 * A relay that dies between 1 and 3 leaves its rows claimed until the lease ends; then any relay
 * owning the destination sends them again. Delivery is therefore at least once; consumers are
 * idempotent by item id / event id.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = true;
  private readonly destinations: OutboxDestination[];

  constructor(private readonly options: OutboxRelayOptions) {
    this.destinations = OUTBOX_DESTINATIONS.filter((d) => options.queueUrls[d] !== undefined);
    if (this.destinations.length === 0) throw new Error('an outbox relay needs at least one destination');
  }

  /** Relays one round; returns how many messages SQS accepted. */
  async relayOnce(): Promise<number> {
    const round = randomUUID();
    const rows = await this.claim(round);
    if (rows.length === 0) return 0;
    const result: RoundResult = { sent: [], failed: new Map() };
    for (const destination of this.destinations) {
      const mine = rows.filter((r) => r.destination === destination);
      for (let i = 0; i < mine.length; i += SQS_BATCH) {
        await this.send(destination, mine.slice(i, i + SQS_BATCH), result);
      }
    }
    await this.settle(round, rows, result);
    return result.sent.length;
  }

  /** Starts relaying in the background until {@link stop}. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Relays soon instead of at the next tick: after a commit that wrote outbox rows. */
  nudge(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.schedule(0);
  }

  /** Stops scheduling and waits for the round in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.running.then(async () => {
        if (this.stopped) return;
        let sent = 0;
        try {
          sent = await this.relayOnce();
        } catch (error) {
          this.options.logger.warn('outbox relay round failed', { err: error });
        }
        // A full batch means there is more waiting: go again at once.
        if (!this.stopped) this.schedule(sent >= this.options.batchSize ? 0 : this.options.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** Step 1: marks up to `batchSize` due, unclaimed rows as this round's, commits, and reads them. */
  private async claim(round: string): Promise<OutboxMessage[]> {
    const { db, leaseMs } = this.options;
    const now = new Date();
    // READ COMMITTED: no gap locks, so relays claiming neighbouring rows do not deadlock on MySQL.
    const options =
      db.getDialect() === 'mysql' ? { isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED } : {};
    const claimed = await db.transaction(options, async (transaction) => {
      const ids = await this.dueIds(now, transaction);
      if (ids.length === 0) return 0;
      await OutboxMessage.update(
        { claimed_by: round, claimed_until: new Date(now.getTime() + leaseMs) },
        { where: { id: ids }, transaction },
      );
      return ids.length;
    });
    if (claimed === 0) return [];
    return OutboxMessage.findAll({ where: { claimed_by: round }, order: [['id', 'ASC']] });
  }

  private async dueIds(now: Date, transaction: Transaction): Promise<number[]> {
    const { db, batchSize } = this.options;
    if (db.getDialect() === 'mysql') {
      // Written by hand: Sequelize's MySQL dialect silently drops `skipLocked`. The time goes in as a
      // string because a Date replacement loses its milliseconds (the session runs in UTC).
      const nowUtc = now.toISOString().replace('T', ' ').replace('Z', '');
      const rows = await db.query<{ id: number }>(
        'SELECT id FROM outbox WHERE destination IN (?) AND available_at <= ? ' +
          'AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED',
        {
          replacements: [this.destinations, nowUtc, nowUtc, batchSize],
          type: QueryTypes.SELECT,
          transaction,
        },
      );
      return rows.map((r) => Number(r.id));
    }
    const rows = await OutboxMessage.findAll({
      attributes: ['id'],
      where: {
        destination: this.destinations,
        available_at: { [Op.lte]: now },
        [Op.or]: [{ claimed_until: null }, { claimed_until: { [Op.lte]: now } }],
      },
      order: [['id', 'ASC']],
      limit: batchSize,
      transaction,
    });
    return rows.map((r) => Number(r.id));
  }

  /** Step 2: one SendMessageBatch; records which rows SQS took and why the others failed. */
  private async send(destination: OutboxDestination, rows: OutboxMessage[], result: RoundResult) {
    const { sqs, queueUrls, logger } = this.options;
    try {
      const response = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrls[destination],
          Entries: rows.map((row) => ({
            Id: String(row.id),
            MessageBody: row.body,
            MessageAttributes: Object.fromEntries(
              Object.entries(
                row.attributes ? (JSON.parse(row.attributes) as Record<string, string>) : {},
              ).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
            ),
          })),
        }),
      );
      for (const ok of response.Successful ?? []) {
        result.sent.push(Number(ok.Id));
        logger.debug('outbox message sent', { destination, outbox_id: ok.Id, sqs_message_id: ok.MessageId });
      }
      for (const bad of response.Failed ?? [])
        result.failed.set(Number(bad.Id), `${bad.Code}: ${bad.Message ?? ''}`);
      if (response.Successful?.length) {
        logger.info('outbox relayed', {
          destination,
          count: response.Successful.length,
          failed: response.Failed?.length ?? 0,
        });
      }
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      for (const row of rows) result.failed.set(Number(row.id), message);
      logger.warn('outbox send failed; will retry', { destination, count: rows.length, err: error });
    }
  }

  /**
   * Step 3: deletes what SQS took, reschedules what it did not. Both only touch rows this round still
   * holds; a row whose lease ran out and that another relay claimed meanwhile is that relay's now.
   */
  private async settle(round: string, rows: OutboxMessage[], { sent, failed }: RoundResult) {
    if (sent.length > 0) await OutboxMessage.destroy({ where: { id: sent, claimed_by: round } });
    // One UPDATE per (attempts, error): the rows of a failed batch share both.
    const groups = new Map<string, { attempts: number; error: string; ids: number[] }>();
    for (const row of rows) {
      const error = failed.get(Number(row.id));
      if (error === undefined) continue;
      const key = `${row.attempts}\u0000${error}`;
      const group = groups.get(key) ?? { attempts: row.attempts, error, ids: [] };
      group.ids.push(Number(row.id));
      groups.set(key, group);
    }
    for (const { attempts, error, ids } of groups.values()) {
      await OutboxMessage.update(
        {
          attempts: attempts + 1,
          last_error: error,
          available_at: new Date(Date.now() + backoffDelay(attempts, this.options.backoff)),
          claimed_by: null,
          claimed_until: null,
        },
        { where: { id: ids, claimed_by: round } },
      );
    }
  }
}
