import type { ItemStatus, JobStatus } from '@ocr-jobs/contracts';
import { PermanentItemError } from './errors';

/**
 * The decisions of item processing, as pure functions of what was read: no I/O, so each is tested on
 * its own (test/item-decisions.test.ts). The ItemProcessor reads (classify), asks these (decide) and
 * carries the answer out in one transaction and one SQS disposition (apply).
 */

/** What to do with an item a message names, given its and its job's current state. */
export type StartDecision = 'missing' | 'stale' | 'already-finished' | 'start';

/**
 * `stale`: the message was sent for another run of the item than its current one (a retry or
 * reprocess re-queued the item since); it is dropped whatever the item's status, since the current
 * run has its own message.
 */
export function decideStart(
  item: { status: ItemStatus; run: number } | null,
  job: { status: JobStatus } | null,
  messageRun = 0,
): StartDecision {
  if (!job || !item) return 'missing';
  if (item.run !== messageRun) return 'stale';
  if (item.status === 'DONE' || item.status === 'ERROR' || job.status === 'EXPIRED')
    return 'already-finished';
  return 'start';
}

/** The job's counters and status once one more of its items finished. */
export interface JobProgress {
  doneItems: number;
  errorItems: number;
  status: JobStatus;
  /** This item was the job's last unfinished one. */
  last: boolean;
}

/**
 * PROCESSING while any item is unfinished; when the last finishes, DONE if at least one item
 * succeeded (`error_items` says how many failed), ERROR only when every item failed (DESIGN.md's rule,
 * decided by issue 14: a mostly-good job is not hidden behind ERROR). An EXPIRED job stays EXPIRED.
 */
export function nextJobProgress(
  job: { status: JobStatus; total_items: number; done_items: number; error_items: number },
  itemSucceeded: boolean,
): JobProgress {
  const doneItems = job.done_items + (itemSucceeded ? 1 : 0);
  const errorItems = job.error_items + (itemSucceeded ? 0 : 1);
  const last = doneItems + errorItems >= job.total_items;
  const status: JobStatus =
    job.status === 'EXPIRED' ? 'EXPIRED' : !last ? 'PROCESSING' : finalJobStatus(doneItems);
  return { doneItems, errorItems, status, last };
}

/** The status of a job whose items all finished, `doneItems` of them successfully. */
export function finalJobStatus(doneItems: number): JobStatus {
  return doneItems > 0 ? 'DONE' : 'ERROR';
}

/**
 * What becomes of an item whose processing threw, and of its message:
 * - `release`: the process is shutting down; the message is made visible again at once, the item
 *   untouched (another worker takes it);
 * - `retry`: a transient failure with receives left; the message comes back after the retry delay;
 * - `fail`: a permanent failure, or the last allowed receive; the item becomes ERROR with `reason`
 *   and the message is deleted.
 */
export type FailureDecision =
  { kind: 'release' } | { kind: 'retry' } | { kind: 'fail'; reason: string; code?: string };

export function decideFailure(
  error: unknown,
  context: { receiveCount: number; maxReceiveCount: number; shuttingDown: boolean },
): FailureDecision {
  const permanent = error instanceof PermanentItemError;
  if (context.shuttingDown && !permanent) return { kind: 'release' };
  if (permanent) return { kind: 'fail', reason: describe(error), code: error.code };
  if (context.receiveCount < context.maxReceiveCount) return { kind: 'retry' };
  return { kind: 'fail', reason: `gave up after ${context.receiveCount} attempts: ${describe(error)}` };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
