import { Op, type Transaction, type WhereOptions } from 'sequelize';
import type { JobStatus } from '@ocr-jobs/contracts';
import { Job, JobItem } from '@ocr-jobs/db';
import { notFound } from '../http/api-error';
import { decodeListCursor, encodeListCursor } from './list-cursor';

/** The tenant's job, or 404 exactly as for a job that does not exist. */
export async function findOwnedJob(tenant: string, id: string, transaction?: Transaction): Promise<Job> {
  const job = await Job.findOne({ where: { id, tenant }, transaction });
  if (!job) throw notFound('JOB_NOT_FOUND', `no job ${id}`);
  return job;
}

export function itemsOf(jobId: string, transaction?: Transaction): Promise<JobItem[]> {
  return JobItem.findAll({
    where: { job_id: jobId },
    order: [
      ['created_at', 'ASC'],
      ['id', 'ASC'],
    ],
    transaction,
  });
}

/** A page of the tenant's jobs, newest first, keyset-paginated on (created_at, id). */
export async function listJobs(
  tenant: string,
  page: {
    limit: number;
    cursor?: string | undefined;
    status?: JobStatus | undefined;
    /** true: only jobs with failed items; false: only jobs without. */
    hasErrors?: boolean | undefined;
  },
): Promise<{ jobs: Job[]; nextCursor: string | null }> {
  const where: WhereOptions[] = [{ tenant }];
  if (page.status) where.push({ status: page.status });
  // No index of its own: the walk down (tenant[, status], created_at, id) stops after limit + 1 matches.
  if (page.hasErrors !== undefined) where.push({ error_items: page.hasErrors ? { [Op.gt]: 0 } : 0 });
  if (page.cursor) {
    const after = decodeListCursor(page.cursor);
    where.push({
      [Op.or]: [
        { created_at: { [Op.lt]: after.createdAt } },
        { created_at: after.createdAt, id: { [Op.lt]: after.id } },
      ],
    });
  }
  const rows = await Job.findAll({
    where: { [Op.and]: where },
    order: [
      ['created_at', 'DESC'],
      ['id', 'DESC'],
    ],
    limit: page.limit + 1,
  });
  const jobs = rows.slice(0, page.limit);
  const last = jobs[jobs.length - 1];
  const nextCursor =
    rows.length > page.limit && last
      ? encodeListCursor({ createdAt: new Date(last.created_at), id: last.id })
      : null;
  return { jobs, nextCursor };
}
