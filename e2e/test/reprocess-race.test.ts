import { randomUUID } from 'node:crypto';
import { Job, JobItem, OutboxMessage, WebhookDelivery } from '@ocr-jobs/db';
import { createTestDatabase, testDialects, type TestDatabase } from '@ocr-jobs/testing';
// The two sides of the race, as the services run them: the worker's item transactions and the API's
// reprocess transaction (built dist/, as `npm start` runs them).
import { finishItem, startItem, type ItemOutcome } from '@ocr-jobs/ocr-worker/dist/state/job-progress';
import { reprocessItem } from '@ocr-jobs/jobs-api/dist/jobs/requeue-items';

const ITERATIONS = 30;
const TENANT = 'tenant-race';
const context = {
  caller: { tenant: TENANT, apiKeyId: 'k1', actor: 'api_key:k1' },
  bucket: 'bucket',
  requestId: 'race',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};
const done = (text: string): ItemOutcome => ({
  status: 'DONE',
  text,
  confidence: 90,
  pages: 1,
  durationMs: 1,
});

/**
 * A reprocess racing the item's own completion: the worker finishes run 0 of the job's last item while
 * the API reprocesses that item. Either the completion wins (the item is DONE on run 0, then re-queued
 * on run 1) or the reprocess finds the item still being read and is refused with 409; never anything
 * in between. After each: the counters equal the items' states, the audit events and job.finished
 * webhooks are exactly those of what happened, a late message of run 0 changes nothing, and run 1
 * finishes the job again.
 */
describe.each(testDialects())('reprocess racing the item’s completion on %s', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** A job of two items: one DONE, the other (the last) PROCESSING on run 0. */
  async function jobBeingRead() {
    const jobId = randomUUID();
    const now = new Date();
    await Job.create({
      id: jobId,
      tenant: TENANT,
      name: 'race',
      status: 'PROCESSING',
      created_at: now,
      updated_at: now,
      sqs_retention_deadline: new Date(now.getTime() + 86_400_000),
      total_items: 2,
      done_items: 1,
      callback_url: 'https://cb.example.com/done',
    });
    const [readId, lastId] = [randomUUID(), randomUUID()];
    for (const [id, status] of [
      [readId, 'DONE'],
      [lastId, 'PROCESSING'],
    ] as const)
      await JobItem.create({
        id,
        job_id: jobId,
        s3_key: `jobs/${jobId}/${id}.png`,
        filename: `${id}.png`,
        content_type: 'image/png',
        bytes: 1,
        status,
        attempts: 1,
        ocr_text: status === 'DONE' ? 'read' : null,
      });
    return { jobId, itemId: lastId };
  }

  async function auditOf(jobId: string) {
    const rows = await OutboxMessage.findAll({ where: { destination: 'audit' }, order: [['id', 'ASC']] });
    return rows
      .map(
        (r) =>
          JSON.parse(r.body) as {
            action: string;
            job_id?: string;
            item_id?: string;
            details: Record<string, unknown>;
          },
      )
      .filter((e) => e.job_id === jobId)
      .map((e) => [e.action, e.details.run ?? null, e.details.status ?? null]);
  }

  async function jobFinishedHooks(jobId: string) {
    const rows = await WebhookDelivery.findAll({ where: { tenant: TENANT, event_type: 'job.finished' } });
    return rows
      .map((r) => JSON.parse(r.payload).data)
      .filter((d) => d.job_id === jobId)
      .map((d) => [d.status, d.done_items, d.error_items]);
  }

  async function expectCountersMatchItems(jobId: string) {
    const job = (await Job.findByPk(jobId))!;
    const items = await JobItem.findAll({ where: { job_id: jobId } });
    const count = (status: string) => items.filter((i) => i.status === status).length;
    expect([job.done_items, job.error_items]).toEqual([count('DONE'), count('ERROR')]);
    const unfinished = count('PENDING') + count('PROCESSING');
    expect(job.status).toBe(unfinished > 0 ? 'PROCESSING' : count('DONE') > 0 ? 'DONE' : 'ERROR');
    return job;
  }

  it(`ends either re-queued on run 1 or refused, never in between (${ITERATIONS} races)`, async () => {
    const outcomes = { requeued: 0, refused: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const { jobId, itemId } = await jobBeingRead();
      const ref = { jobId, itemId, run: 0 };
      // A third each: the completion first, the reprocess first, both at once.
      const order = i % 3;
      const finish = () => finishItem(database.db, ref, done('first'));
      const reprocess = () =>
        reprocessItem(database.db, jobId, itemId, { languages: 'por' }, context).then(
          () => 'requeued' as const,
          (error: { code?: string }) => {
            if (error.code === 'ITEM_IN_PROGRESS') return 'refused' as const;
            throw error;
          },
        );
      let finished: Awaited<ReturnType<typeof finish>>;
      let outcome: 'requeued' | 'refused';
      if (order === 0) {
        finished = await finish();
        outcome = await reprocess();
      } else if (order === 1) {
        outcome = await reprocess();
        finished = await finish();
      } else {
        [finished, outcome] = await Promise.all([finish(), reprocess()]);
      }
      outcomes[outcome]++;

      // The completion of run 0 always counts, once.
      expect(finished).toEqual({ applied: true, jobFinished: 'DONE' });
      const item = (await JobItem.findByPk(itemId))!;
      const job = await expectCountersMatchItems(jobId);
      if (outcome === 'requeued') {
        expect([item.status, item.run, item.languages]).toEqual(['PENDING', 1, 'por']);
        expect([job.status, job.done_items]).toEqual(['PROCESSING', 1]);
        expect(await auditOf(jobId)).toEqual([
          ['item.done', 0, null],
          ['job.finished', null, 'DONE'],
          ['item.reprocess_requested', 1, null],
        ]);
      } else {
        expect([item.status, item.run, item.languages]).toEqual(['DONE', 0, 'eng']);
        expect([job.status, job.done_items]).toEqual(['DONE', 2]);
        expect(await auditOf(jobId)).toEqual([
          ['item.done', 0, null],
          ['job.finished', null, 'DONE'],
        ]);
      }
      expect(await jobFinishedHooks(jobId)).toEqual([['DONE', 2, 0]]);

      // A late (redelivered) message of run 0 changes nothing, whatever happened.
      const events = await auditOf(jobId);
      expect((await startItem(database.db, ref, 2)).kind).toBe(outcome === 'requeued' ? 'stale' : 'finished');
      expect(await finishItem(database.db, ref, done('late'))).toMatchObject({ applied: false });
      expect(await auditOf(jobId)).toEqual(events);
      await expectCountersMatchItems(jobId);

      if (outcome === 'requeued') {
        // Run 1 is read and finishes the job again: a second job.finished, with the new counts.
        const run1 = { ...ref, run: 1 };
        expect((await startItem(database.db, run1, 1)).kind).toBe('started');
        expect(await finishItem(database.db, run1, done('second'))).toEqual({
          applied: true,
          jobFinished: 'DONE',
        });
        expect((await JobItem.findByPk(itemId))!.ocr_text).toBe('second');
        expect((await expectCountersMatchItems(jobId)).done_items).toBe(2);
        expect((await auditOf(jobId)).slice(3)).toEqual([
          ['item.started', 1, null],
          ['item.done', 1, null],
          ['job.finished', null, 'DONE'],
        ]);
        expect(await jobFinishedHooks(jobId)).toEqual([
          ['DONE', 2, 0],
          ['DONE', 2, 0],
        ]);
      }
    }
    // The ordered thirds make sure both endings were seen; the concurrent third may end either way.
    expect(outcomes.requeued).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
