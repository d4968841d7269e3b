import type { Sequelize } from 'sequelize-typescript';
import { recordAuditEvents, type Job } from '@ocr-jobs/db';
import type { Caller } from '../http/context';
import { findOwnedJob } from './job-queries';

/** Renames a job and records job.renamed (old and new name) in the same transaction. */
export function renameJob(
  db: Sequelize,
  caller: Caller,
  jobId: string,
  name: string,
  requestId: string,
): Promise<Job> {
  return db.transaction(async (transaction) => {
    const job = await findOwnedJob(caller.tenant, jobId, transaction);
    const oldName = job.name;
    if (oldName === name) return job;
    job.name = name;
    await job.save({ transaction });
    await recordAuditEvents(transaction, [
      {
        action: 'job.renamed',
        actor: caller.actor,
        tenant: caller.tenant,
        job_id: jobId,
        request_id: requestId,
        details: { old_name: oldName, new_name: name },
      },
    ]);
    return job;
  });
}
