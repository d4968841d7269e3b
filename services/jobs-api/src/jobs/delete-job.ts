import type { S3Client } from '@aws-sdk/client-s3';
import type { Sequelize } from 'sequelize-typescript';
import { resultKey } from '@ocr-jobs/contracts';
import { IdempotencyKey, Job, JobItem, recordAuditEvents } from '@ocr-jobs/db';
import type { Caller } from '../http/context';
import { deleteObjects } from '../uploads/object-store';
import { findOwnedJob } from './job-queries';

/**
 * Deletes a job: its rows and job.deleted in one transaction, and its files and results in S3 before
 * that transaction commits, so an S3 outage leaves the job as it was (503) instead of rows pointing
 * at nothing. A worker that later receives a message for a deleted item finds no row and drops it.
 */
export async function deleteJob(
  db: Sequelize,
  s3: S3Client,
  bucket: string,
  caller: Caller,
  jobId: string,
  requestId: string,
): Promise<{ keys: number }> {
  return db.transaction(async (transaction) => {
    const job = await findOwnedJob(caller.tenant, jobId, transaction);
    const items = await JobItem.findAll({
      where: { job_id: jobId },
      attributes: ['id', 's3_key'],
      transaction,
    });
    await JobItem.destroy({ where: { job_id: jobId }, transaction });
    // A repeated Idempotency-Key must not answer with a job that no longer exists.
    await IdempotencyKey.destroy({ where: { tenant: caller.tenant, job_id: jobId }, transaction });
    await Job.destroy({ where: { id: jobId }, transaction });
    await recordAuditEvents(transaction, [
      {
        action: 'job.deleted',
        actor: caller.actor,
        tenant: caller.tenant,
        job_id: jobId,
        request_id: requestId,
        details: { name: job.name, items: items.length },
      },
    ]);
    const keys = items.flatMap((item) => [item.s3_key, resultKey(jobId, item.id)]);
    await deleteObjects(s3, bucket, keys);
    return { keys: keys.length };
  });
}
