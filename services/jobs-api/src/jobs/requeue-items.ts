import type { Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { resourceDefinition } from '@ocr-jobs/contracts';
import { enqueueOcrMessages, Job, JobItem, recordAuditEvents, type NewAuditEvent } from '@ocr-jobs/db';
import { ApiError, notFound } from '../http/api-error';
import type { Caller } from '../http/context';
import { rememberKey, type IdempotencyClaim } from './idempotency';
import type { ReprocessOptions } from './reprocess-options';

/**
 * Retry and reprocess: finished items go back to PENDING on a new run. Each is one transaction that
 * locks the job row first, then the items (the order the worker's job-progress.ts uses), and changes
 * the items, the job's counters and status, the OCR messages (through the outbox) and the audit
 * events together. So the counters always equal the items' states, and an item still being read
 * (PENDING/PROCESSING) is never touched: its own completion and a reprocess cannot both count.
 * The new message carries the new run; the worker ignores any message of an earlier run.
 */

export interface RequeueContext {
  caller: Caller;
  bucket: string;
  requestId: string;
  traceparent: string;
  idempotency?: IdempotencyClaim | undefined;
}

/** The job's failed (ERROR) items back to PENDING on their next run; 409 when there are none. */
export async function retryJob(db: Sequelize, jobId: string, context: RequeueContext): Promise<Job> {
  return db.transaction(async (transaction) => {
    const job = await lockOwnedJob(context.caller.tenant, jobId, transaction);
    const failed = await JobItem.findAll({
      where: { job_id: jobId, status: 'ERROR' },
      order: [
        ['created_at', 'ASC'],
        ['id', 'ASC'],
      ],
      transaction,
      lock: transaction.LOCK.UPDATE,
    });
    if (failed.length === 0)
      throw new ApiError(409, 'NOTHING_TO_RETRY', `job ${jobId} has no failed items to retry`);
    for (const item of failed) await requeue(item, {}, transaction);
    await reopen(job, { error_items: job.error_items - failed.length }, transaction);
    await enqueue(job, failed, context, transaction);
    const common = requestEvent(job, context);
    await recordAuditEvents(transaction, [
      { ...common, action: 'job.retried', details: { items: failed.length } },
      ...failed.map((item): NewAuditEvent => ({
        ...common,
        action: 'item.requeued',
        item_id: item.id,
        details: { run: item.run, reason: 'retry' },
      })),
    ]);
    if (context.idempotency) await rememberKey(transaction, job.tenant, context.idempotency, jobId);
    return job;
  });
}

/** One finished item (DONE or ERROR) read again on its next run, optionally with new options. */
export async function reprocessItem(
  db: Sequelize,
  jobId: string,
  itemId: string,
  options: ReprocessOptions,
  context: RequeueContext,
): Promise<Job> {
  return db.transaction(async (transaction) => {
    const job = await lockOwnedJob(context.caller.tenant, jobId, transaction);
    const item = await JobItem.findOne({
      where: { id: itemId, job_id: jobId },
      transaction,
      lock: transaction.LOCK.UPDATE,
    });
    if (!item) throw notFound('ITEM_NOT_FOUND', `no item ${itemId} in job ${jobId}`);
    const previousStatus = item.status;
    if (previousStatus !== 'DONE' && previousStatus !== 'ERROR')
      throw new ApiError(
        409,
        'ITEM_IN_PROGRESS',
        `item ${itemId} is ${previousStatus}; reprocess it once it has finished`,
      );
    await requeue(item, options, transaction);
    await reopen(
      job,
      previousStatus === 'DONE' ? { done_items: job.done_items - 1 } : { error_items: job.error_items - 1 },
      transaction,
    );
    await enqueue(job, [item], context, transaction);
    await recordAuditEvents(transaction, [
      {
        ...requestEvent(job, context),
        action: 'item.reprocess_requested',
        item_id: item.id,
        details: {
          run: item.run,
          previous_status: previousStatus,
          languages: item.languages,
          pages: item.page_range,
        },
      },
    ]);
    if (context.idempotency) await rememberKey(transaction, job.tenant, context.idempotency, jobId);
    return job;
  });
}

/** The tenant's job, locked for this transaction; 404 as for a job that does not exist, 409 if expired. */
async function lockOwnedJob(tenant: string, jobId: string, transaction: Transaction): Promise<Job> {
  const job = await Job.findOne({ where: { id: jobId, tenant }, transaction, lock: transaction.LOCK.UPDATE });
  if (!job) throw notFound('JOB_NOT_FOUND', `no job ${jobId}`);
  // Its files may be read no more: an expired job's queue messages and deadline are gone for good.
  if (job.status === 'EXPIRED')
    throw new ApiError(409, 'JOB_EXPIRED', `job ${jobId} expired; create a new job to read its files again`);
  return job;
}

/**
 * PENDING on the next run. The result in the database is cleared with the status; the result object
 * in S3 stays until the new run overwrites it (the API serves no result while the item is PENDING).
 * `redrives` starts again: it bounds re-sends of one run's message.
 */
async function requeue(item: JobItem, options: ReprocessOptions, transaction: Transaction): Promise<void> {
  item.set({
    status: 'PENDING',
    run: item.run + 1,
    ocr_text: null,
    confidence: null,
    pages: null,
    error_msg: null,
    started_at: null,
    finished_at: null,
    redrives: 0,
    ...(options.languages !== undefined ? { languages: options.languages } : {}),
    ...(options.pages !== undefined ? { page_range: options.pages } : {}),
  });
  await item.save({ transaction });
}

/** The job is PROCESSING again, its queue retention deadline renewed for the new messages. */
async function reopen(
  job: Job,
  counters: { done_items?: number; error_items?: number },
  transaction: Transaction,
): Promise<void> {
  const deadline = new Date(Date.now() + resourceDefinition.queues.ocr.retentionSeconds * 1000);
  job.set({ ...counters, status: 'PROCESSING', sqs_retention_deadline: deadline });
  await job.save({ transaction });
}

async function enqueue(
  job: Job,
  items: JobItem[],
  context: RequeueContext,
  transaction: Transaction,
): Promise<void> {
  await enqueueOcrMessages(
    transaction,
    items.map((item) => ({
      job_id: job.id,
      item_id: item.id,
      s3_bucket: context.bucket,
      s3_key: item.s3_key,
      created_at: new Date().toISOString(),
      run: item.run,
    })),
    context.traceparent,
  );
}

function requestEvent(job: Job, context: RequeueContext) {
  return {
    actor: context.caller.actor,
    tenant: job.tenant,
    job_id: job.id,
    request_id: context.requestId,
  };
}
