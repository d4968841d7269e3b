import type { Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import type { JobStatus } from '@ocr-jobs/contracts';
import { enqueueWebhookEvent, Job, JobItem, recordAuditEvents, type NewAuditEvent } from '@ocr-jobs/db';
import { decideStart, nextJobProgress } from '../item-decisions';
import { itemFinishedEvent, jobFinishedEvent } from './webhook-payloads';

/**
 * An item's progress through its job: each change of the item's state happens in one transaction
 * with the job's counters and status and the audit events that announce it. The job row is locked
 * first (FOR UPDATE on MySQL; SQLite's IMMEDIATE transaction serialises writers), and an item moves
 * only out of PENDING/PROCESSING, so a repeated or concurrent message never changes or counts
 * anything twice. A message names the item's run it was sent for: one of another run (the item was
 * retried or reprocessed since) changes nothing, so an old message never counts for a new run.
 */

export interface ItemRef {
  jobId: string;
  itemId: string;
  /** The item's run the message was sent for; absent means 0 (as in the OCR message). */
  run?: number | undefined;
}

const UNFINISHED = ['PENDING', 'PROCESSING'] as const;
const ACTOR = 'worker';

export type StartResult =
  | { kind: 'missing' }
  | { kind: 'stale'; currentRun: number }
  | { kind: 'finished'; status: string }
  | {
      kind: 'started';
      tenant: string;
      s3Key: string;
      attempt: number;
      /** The languages to read it with (tesseract's form). */
      languages: string;
      /** The pages to read (`1-3,7`), null for every page. */
      pageRange: string | null;
    };

async function lockJob(ref: ItemRef, transaction: Transaction) {
  return Job.findByPk(ref.jobId, { transaction, lock: transaction.LOCK.UPDATE });
}

async function lockItem(ref: ItemRef, transaction: Transaction) {
  return JobItem.findOne({
    where: { id: ref.itemId, job_id: ref.jobId },
    transaction,
    lock: transaction.LOCK.UPDATE,
  });
}

/** PENDING/PROCESSING → PROCESSING (attempts + 1); the job leaves PENDING. */
export async function startItem(db: Sequelize, ref: ItemRef, receiveCount: number): Promise<StartResult> {
  return db.transaction(async (transaction) => {
    const job = await lockJob(ref, transaction);
    const item = job && (await lockItem(ref, transaction));
    const decision = decideStart(item, job, ref.run ?? 0);
    if (decision === 'missing' || !job || !item) return { kind: 'missing' } as const;
    if (decision === 'stale') return { kind: 'stale', currentRun: item.run } as const;
    if (decision === 'already-finished') return { kind: 'finished', status: item.status } as const;
    const attempt = item.attempts + 1;
    await JobItem.update(
      { status: 'PROCESSING', started_at: new Date(), attempts: attempt },
      { where: { id: ref.itemId, status: UNFINISHED, run: item.run }, transaction },
    );
    if (job.status === 'PENDING')
      await Job.update(
        { status: 'PROCESSING' },
        { where: { id: ref.jobId, status: 'PENDING' }, transaction },
      );
    await recordAuditEvents(transaction, [
      {
        action: 'item.started',
        actor: ACTOR,
        tenant: job.tenant,
        job_id: ref.jobId,
        item_id: ref.itemId,
        details: { attempt, receive_count: receiveCount, run: item.run },
      },
    ]);
    return {
      kind: 'started',
      tenant: job.tenant,
      s3Key: item.s3_key,
      attempt,
      pageRange: item.page_range,
      languages: item.languages,
    } as const;
  });
}

export type ItemOutcome =
  | { status: 'DONE'; text: string; confidence: number; pages: number; durationMs: number }
  | { status: 'ERROR'; error: string; pages?: number; durationMs: number };

export interface FinishResult {
  /** False when the item was already finished (duplicate), deleted, or is on another run: nothing changed. */
  applied: boolean;
  /** Not applied because the item is on another run than the message's (retried or reprocessed). */
  stale?: boolean;
  /** The job's status when this item was its last one. */
  jobFinished?: JobStatus;
}

/** PENDING/PROCESSING → DONE or ERROR, the job's counters and status with it. */
export async function finishItem(db: Sequelize, ref: ItemRef, outcome: ItemOutcome): Promise<FinishResult> {
  return db.transaction(async (transaction) => {
    const job = await lockJob(ref, transaction);
    const item = job && (await lockItem(ref, transaction));
    if (!job || !item) return { applied: false };
    if (item.run !== (ref.run ?? 0)) return { applied: false, stale: true };
    const done = outcome.status === 'DONE';
    const [changed] = await JobItem.update(
      {
        status: outcome.status,
        ocr_text: done ? outcome.text : null,
        confidence: done ? outcome.confidence : null,
        pages: outcome.pages ?? null,
        error_msg: done ? null : outcome.error,
        finished_at: new Date(),
      },
      { where: { id: ref.itemId, job_id: ref.jobId, status: UNFINISHED, run: item.run }, transaction },
    );
    if (changed === 0) return { applied: false };

    const { doneItems, errorItems, status, last } = nextJobProgress(job, done);
    await Job.update(
      { done_items: doneItems, error_items: errorItems, status },
      { where: { id: ref.jobId }, transaction },
    );

    const common = { actor: ACTOR, tenant: job.tenant, job_id: ref.jobId };
    const events: NewAuditEvent[] = [
      done
        ? {
            ...common,
            item_id: ref.itemId,
            action: 'item.done',
            details: {
              duration_ms: outcome.durationMs,
              confidence: outcome.confidence,
              pages: outcome.pages,
              run: item.run,
            },
          }
        : {
            ...common,
            item_id: ref.itemId,
            action: 'item.failed',
            details: {
              error: outcome.error,
              attempt: item.attempts,
              duration_ms: outcome.durationMs,
              run: item.run,
            },
          },
    ];
    if (last && status !== 'EXPIRED')
      events.push({
        ...common,
        action: 'job.finished',
        details: { status, total_items: job.total_items, done_items: doneItems, error_items: errorItems },
      });
    await recordAuditEvents(transaction, events);
    await enqueueWebhookEvent(transaction, itemFinishedEvent(job, item, outcome));
    if (last && status !== 'EXPIRED')
      await enqueueWebhookEvent(
        transaction,
        jobFinishedEvent(job, { status, done_items: doneItems, error_items: errorItems }),
      );
    return { applied: true, ...(last ? { jobFinished: status } : {}) };
  });
}
