import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Op, QueryTypes, Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import type { Logger } from '@ocr-jobs/runtime';
import { OUTBOX_DESTINATIONS, OutboxMessage, type OutboxDestination } from '../models/outbox-message.model';

export interface OutboxRelayOptions {
  db: Sequelize;
  sqs: SQSClient;
  /** Queue URL per destination. */
  queueUrls: Record<OutboxDestination, string>;
  logger: Logger;
  /** Rows claimed per round (default 100). */
  batchSize?: number;
  /** Poll interval when idle (default 1000 ms). */
  intervalMs?: number;
  /** Longest backoff after failed sends (default 60 s). */
  maxBackoffMs?: number;
}

const SQS_BATCH = 10;

/**
 * Sends outbox rows to SQS and deletes them once SQS has accepted them. Several relays (every API
 * task, every worker) may run at once: on MySQL each round claims its rows with
 * `SELECT … FOR UPDATE SKIP LOCKED`, so no two relays send the same row and none waits for another.
 * On SQLite the round's write transaction (BEGIN IMMEDIATE) gives the same exclusion.
 *
 * Delivery is at least once: if the process dies after SQS accepted a message and before the delete
 * commits, the row is sent again; consumers are idempotent by item id / event id.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = true;
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.intervalMs = options.intervalMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
  }

  /** Relays one round; returns how many messages SQS accepted. */
  async relayOnce(): Promise<number> {
    const { db } = this.options;
    // READ COMMITTED: no gap locks, so relays claiming neighbouring rows do not deadlock on MySQL.
    const options =
      db.getDialect() === 'mysql' ? { isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED } : {};
    return db.transaction(options, async (transaction) => {
      const rows = await this.claim(transaction);
      if (rows.length === 0) return 0;
      const sent: number[] = [];
      const failed = new Map<number, string>();
      for (const destination of OUTBOX_DESTINATIONS) {
        const mine = rows.filter((r) => r.destination === destination);
        for (let i = 0; i < mine.length; i += SQS_BATCH) {
          await this.send(destination, mine.slice(i, i + SQS_BATCH), sent, failed);
        }
      }
      // One primary-key delete per row: on a small table MySQL may scan for `id IN (…)` and then wait for
      // rows that another relay holds, which deadlocks. A point delete only touches the row it names.
      for (const id of sent) await OutboxMessage.destroy({ where: { id }, transaction });
      for (const row of rows.filter((r) => failed.has(Number(r.id)))) {
        const attempts = row.attempts + 1;
        const backoff = Math.min(this.maxBackoffMs, 500 * 2 ** Math.min(attempts, 16));
        await OutboxMessage.update(
          { attempts, last_error: failed.get(Number(row.id)), available_at: new Date(Date.now() + backoff) },
          { where: { id: row.id }, transaction },
        );
      }
      return sent.length;
    });
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
        if (!this.stopped) this.schedule(sent >= this.batchSize ? 0 : this.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async claim(transaction: Transaction): Promise<OutboxMessage[]> {
    const { db } = this.options;
    const now = new Date();
    if (db.getDialect() === 'mysql') {
      // Written by hand: Sequelize's MySQL dialect silently drops `skipLocked`. The time goes in as a
      // string because a Date replacement loses its milliseconds (the session runs in UTC).
      const nowUtc = now.toISOString().replace('T', ' ').replace('Z', '');
      return db.query(
        'SELECT * FROM outbox WHERE available_at <= ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED',
        {
          replacements: [nowUtc, this.batchSize],
          model: OutboxMessage,
          mapToModel: true,
          type: QueryTypes.SELECT,
          transaction,
        },
      );
    }
    return OutboxMessage.findAll({
      where: { available_at: { [Op.lte]: now } },
      order: [['id', 'ASC']],
      limit: this.batchSize,
      transaction,
    });
  }

  private async send(
    destination: OutboxDestination,
    rows: OutboxMessage[],
    sent: number[],
    failed: Map<number, string>,
  ) {
    const { sqs, queueUrls, logger } = this.options;
    try {
      const result = await sqs.send(
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
      for (const ok of result.Successful ?? []) {
        sent.push(Number(ok.Id));
        logger.debug('outbox message sent', { destination, outbox_id: ok.Id, sqs_message_id: ok.MessageId });
      }
      for (const bad of result.Failed ?? []) failed.set(Number(bad.Id), `${bad.Code}: ${bad.Message ?? ''}`);
      if (result.Successful?.length) {
        logger.info('outbox relayed', {
          destination,
          count: result.Successful.length,
          failed: result.Failed?.length ?? 0,
        });
      }
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      for (const row of rows) failed.set(Number(row.id), message);
      logger.warn('outbox send failed; will retry', { destination, count: rows.length, err: error });
    }
  }
}
