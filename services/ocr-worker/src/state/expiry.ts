import { Op } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { Job, JobItem, recordAuditEvents } from '@ocr-jobs/db';

const UNFINISHED = ['PENDING', 'PROCESSING'] as const;
const EXPIRED_MESSAGE = 'expired';

/**
 * Marks jobs whose `sqs_retention_deadline` passed with unfinished items as EXPIRED, their unfinished
 * items ERROR with 'expired'. One transaction per job with the job row locked, so concurrent sweeps
 * (every worker task runs one) and finishing items never count an item twice. Returns the jobs expired.
 */
export async function expireJobs(db: Sequelize, now = new Date(), batch = 100): Promise<string[]> {
  const candidates = await Job.findAll({
    attributes: ['id'],
    where: { status: UNFINISHED, sqs_retention_deadline: { [Op.lt]: now } },
    order: [['sqs_retention_deadline', 'ASC']],
    limit: batch,
  });
  const expired: string[] = [];
  for (const { id } of candidates) {
    const changed = await db.transaction(async (transaction) => {
      const job = await Job.findByPk(id, { transaction, lock: transaction.LOCK.UPDATE });
      if (!job || !UNFINISHED.includes(job.status as never) || job.sqs_retention_deadline >= now)
        return false;
      const [expiredItems] = await JobItem.update(
        { status: 'ERROR', error_msg: EXPIRED_MESSAGE, finished_at: now },
        { where: { job_id: id, status: UNFINISHED }, transaction },
      );
      const errorItems = job.error_items + expiredItems;
      await Job.update({ status: 'EXPIRED', error_items: errorItems }, { where: { id }, transaction });
      await recordAuditEvents(transaction, [
        {
          action: 'job.expired',
          actor: 'system',
          tenant: job.tenant,
          job_id: id,
          details: {
            expired_items: expiredItems,
            total_items: job.total_items,
            done_items: job.done_items,
            error_items: errorItems,
            deadline: job.sqs_retention_deadline.toISOString(),
          },
        },
      ]);
      return true;
    });
    if (changed) expired.push(id);
  }
  return expired;
}
