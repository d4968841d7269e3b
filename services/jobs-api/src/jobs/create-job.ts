import type { Sequelize } from 'sequelize-typescript';
import { resourceDefinition } from '@ocr-jobs/contracts';
import { enqueueOcrMessages, Job, JobItem, recordAuditEvents } from '@ocr-jobs/db';
import type { Caller } from '../http/context';
import { tenantWebhookSecret } from '../webhooks/tenant-secret';
import { rememberKey, type IdempotencyClaim } from './idempotency';

/** A file already stored in S3 under its item key. */
export interface StoredFile {
  itemId: string;
  filename: string;
  s3Key: string;
  contentType: string;
  bytes: number;
  receivedAt: Date;
}

export interface NewJob {
  jobId: string;
  name: string;
  /** Receives the job's job.finished, signed with the tenant's webhook secret. */
  callbackUrl?: string | undefined;
  /** In tesseract's form (`por+eng`), already checked against what the workers read. */
  languages: string;
  files: StoredFile[];
  /** Normalised `pages` (`1-3,7`) for every item, null for every page. */
  pageRange: string | null;
  bucket: string;
  caller: Caller;
  requestId: string;
  traceparent: string;
  idempotency?: IdempotencyClaim | undefined;
}

/**
 * One transaction: the job, its items, the idempotency record, one OCR message per item and the
 * job.created audit event, the messages and the event through the outbox. Either all of it is
 * committed (and the relay sends the messages) or none of it.
 */
export async function createJob(db: Sequelize, input: NewJob): Promise<{ job: Job; items: JobItem[] }> {
  const createdAt = new Date();
  const deadline = new Date(createdAt.getTime() + resourceDefinition.queues.ocr.retentionSeconds * 1000);
  const totalBytes = input.files.reduce((sum, f) => sum + f.bytes, 0);
  return db.transaction(async (transaction) => {
    const job = await Job.create(
      {
        id: input.jobId,
        tenant: input.caller.tenant,
        name: input.name,
        status: 'PENDING',
        created_at: createdAt,
        updated_at: createdAt,
        sqs_retention_deadline: deadline,
        total_items: input.files.length,
        languages: input.languages,
        callback_url: input.callbackUrl ?? null,
      },
      { transaction },
    );
    const items = await JobItem.bulkCreate(
      input.files.map((f) => ({
        id: f.itemId,
        job_id: input.jobId,
        s3_key: f.s3Key,
        filename: f.filename,
        content_type: f.contentType,
        bytes: f.bytes,
        page_range: input.pageRange,
        languages: input.languages,
        status: 'PENDING',
        created_at: f.receivedAt,
        updated_at: createdAt,
      })),
      { transaction },
    );
    // The secret that will sign the callback exists before the job does.
    if (input.callbackUrl) await tenantWebhookSecret(input.caller.tenant, transaction);
    if (input.idempotency)
      await rememberKey(transaction, input.caller.tenant, input.idempotency, input.jobId);
    await enqueueOcrMessages(
      transaction,
      input.files.map((f) => ({
        job_id: input.jobId,
        item_id: f.itemId,
        s3_bucket: input.bucket,
        s3_key: f.s3Key,
        created_at: createdAt.toISOString(),
      })),
      input.traceparent,
    );
    await recordAuditEvents(transaction, [
      {
        action: 'job.created',
        actor: input.caller.actor,
        tenant: input.caller.tenant,
        job_id: input.jobId,
        request_id: input.requestId,
        details: {
          name: input.name,
          items: input.files.length,
          total_bytes: totalBytes,
          ...(input.pageRange ? { pages: input.pageRange } : {}),
          languages: input.languages,
        },
      },
    ]);
    return { job, items };
  });
}
