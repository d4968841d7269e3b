import { Op } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { enqueueOcrMessages, Job, JobItem, OutboxMessage } from '@ocr-jobs/db';
import { finishItem, type ItemRef } from './job-progress';

/**
 * Items that can no longer progress: PENDING/PROCESSING, untouched for longer than `quietMs`, while
 * no OCR message for them exists (the caller has checked that the OCR queue holds none, visible or
 * in flight; here: no unsent outbox row names them). Typical causes: the local queue restarted and
 * lost its messages, a queue was purged.
 */
export async function findStrandedItems(quietMs: number, now = new Date(), limit = 100): Promise<JobItem[]> {
  const candidates = await JobItem.findAll({
    where: { status: ['PENDING', 'PROCESSING'], updated_at: { [Op.lt]: new Date(now.getTime() - quietMs) } },
    include: [{ model: Job, attributes: ['status'], where: { status: ['PENDING', 'PROCESSING'] } }],
    order: [['updated_at', 'ASC']],
    limit,
  });
  if (candidates.length === 0) return [];
  const unsent = await OutboxMessage.findAll({ attributes: ['body'], where: { destination: 'ocr' } });
  const queued = new Set(unsent.map((row) => (JSON.parse(row.body) as { item_id?: string }).item_id));
  return candidates.filter((item) => !queued.has(item.id));
}

export type Recovery =
  | { action: 'redriven'; redrives: number }
  | { action: 'failed'; reason: string }
  /** The item moved on (a message did exist, or another worker recovered it first). */
  | { action: 'none' };

/**
 * Re-sends the item's OCR message through the outbox, at most `maxRedrives` times; after that the
 * item ends ERROR with a reason. The redrive is conditional on the item being exactly as it was seen
 * (same status and updated_at), so two workers recovering at once, or a message that arrived in
 * between, change nothing. A redundant message is harmless anyway: job-progress.ts only moves an item
 * out of PENDING/PROCESSING once.
 */
export async function recoverItem(
  db: Sequelize,
  seen: Pick<
    JobItem,
    'id' | 'job_id' | 's3_key' | 'status' | 'updated_at' | 'created_at' | 'redrives' | 'run'
  >,
  options: { bucket: string; maxRedrives: number },
): Promise<Recovery> {
  if (seen.redrives >= options.maxRedrives) {
    const reason = `stranded: no queue message left after ${seen.redrives} re-sends`;
    const finished = await finishItem(
      db,
      { jobId: seen.job_id, itemId: seen.id, run: seen.run },
      { status: 'ERROR', error: reason, durationMs: 0 },
    );
    return finished.applied ? { action: 'failed', reason } : { action: 'none' };
  }
  return db.transaction(async (transaction) => {
    const redrives = seen.redrives + 1;
    const [changed] = await JobItem.update(
      { redrives },
      {
        where: {
          id: seen.id,
          status: seen.status,
          updated_at: seen.updated_at,
          redrives: seen.redrives,
          run: seen.run,
        },
        transaction,
      },
    );
    if (changed === 0) return { action: 'none' } as const;
    await enqueueOcrMessages(transaction, [
      {
        job_id: seen.job_id,
        item_id: seen.id,
        s3_bucket: options.bucket,
        s3_key: seen.s3_key,
        created_at: seen.created_at.toISOString(),
        // The current run: a message of another run would be ignored by the worker.
        run: seen.run,
      },
    ]);
    return { action: 'redriven', redrives } as const;
  });
}

/**
 * An item whose message reached the dead-letter queue: every allowed receive ended without an answer
 * (the worker died with it each time: out of memory, an engine abort). It ends ERROR with
 * `item.failed`, and its job finishes when it was the last one. A dead letter of an earlier run (the
 * item was retried or reprocessed since) changes nothing.
 */
export async function failDeadLetteredItem(db: Sequelize, ref: ItemRef, receives: number): Promise<boolean> {
  const finished = await finishItem(db, ref, {
    status: 'ERROR',
    error: `the worker stopped while reading this file ${receives} times (moved to the dead-letter queue)`,
    durationMs: 0,
  });
  return finished.applied;
}
