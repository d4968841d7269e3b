import { beforeEach, describe, expect, it } from '@jest/globals';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { resultKey } from '@ocr-jobs/contracts';
import { Job, JobItem, OutboxMessage } from '@ocr-jobs/db';
import { testDialects } from '@ocr-jobs/testing';
import { png } from './support/fixtures';
import { collectMessages, drainQueue, harnessForSuite } from './support/harness';

/**
 * POST /api/jobs/{id}/retry and /items/{item_id}/reprocess through the real app: what they change
 * (items, counters, status, deadline), what they send (one OCR message per item with the new run,
 * audit events) and what they refuse. The worker's side (and the race with it) is in
 * e2e/test/retry-reprocess.test.ts.
 */
describe.each(testDialects())('retry and reprocess on %s', (dialect) => {
  const h = harnessForSuite(dialect);

  const { asA, asB } = h;

  interface Created {
    id: string;
    expires_at: string;
    items: Array<{ id: string; s3_key: string }>;
  }

  /** A job of three items, read: DONE, ERROR, ERROR (or the given statuses). */
  async function finishedJob(statuses: Array<'DONE' | 'ERROR' | 'PROCESSING'> = ['DONE', 'ERROR', 'ERROR']) {
    const req = asA().post('/api/jobs').field('name', 'requeue');
    statuses.forEach((_, i) => req.attach('images', png(10, 10), { filename: `${i}.png` }));
    const job = (await req).body as Created;
    for (const [i, status] of statuses.entries())
      await JobItem.update(
        status === 'DONE'
          ? { status, ocr_text: `text ${i}`, confidence: 90, pages: 1, finished_at: new Date() }
          : status === 'ERROR'
            ? { status, error_msg: 'file not found in storage', finished_at: new Date() }
            : { status, started_at: new Date() },
        { where: { id: job.items[i]!.id } },
      );
    const done = statuses.filter((s) => s === 'DONE').length;
    const failed = statuses.filter((s) => s === 'ERROR').length;
    const finished = done + failed === statuses.length;
    await Job.update(
      {
        status: !finished ? 'PROCESSING' : done > 0 ? 'DONE' : 'ERROR',
        done_items: done,
        error_items: failed,
      },
      { where: { id: job.id } },
    );
    return job;
  }

  /** The re-queue messages (those with a run) of a job: waits for `count`, then for stragglers. */
  async function ocrMessagesOf(jobId: string, count: number) {
    const bodies: Array<{ job_id: string; item_id: string; run?: number }> = [];
    const mine = () => bodies.filter((b) => b.job_id === jobId && b.run !== undefined);
    const deadline = Date.now() + 20_000;
    while (mine().length < count && Date.now() < deadline) {
      const messages = await collectMessages(h.stack, h.stack.resources.queueUrls.ocr, 1, 1_000);
      bodies.push(...messages.map((m) => JSON.parse(m.Body!)));
    }
    bodies.push(
      ...(await drainQueue(h.stack, h.stack.resources.queueUrls.ocr, 1)).map((m) => JSON.parse(m.Body!)),
    );
    return mine();
  }

  /** The audit events the API wrote for a job, relayed or not yet. */
  async function auditOf(jobId: string): Promise<SeenEvent[]> {
    const relayed = await drainQueue(h.stack, h.stack.resources.queueUrls.audit, 0);
    const unsent = await OutboxMessage.findAll({ where: { destination: 'audit' } });
    seenAudit.push(...relayed.map((m) => JSON.parse(m.Body!)), ...unsent.map((r) => JSON.parse(r.body)));
    const unique = new Map(seenAudit.map((e) => [e.event_id, e]));
    return [...unique.values()].filter((e) => e.job_id === jobId);
  }
  interface SeenEvent {
    event_id: string;
    job_id?: string;
    action: string;
    item_id?: string;
    details: Record<string, unknown>;
  }
  const seenAudit: SeenEvent[] = [];

  beforeEach(async () => {
    await drainQueue(h.stack, h.stack.resources.queueUrls.ocr, 0);
  });

  describe('POST /api/jobs/{id}/retry', () => {
    it('re-queues every failed item on its next run, the job PROCESSING again with its counters lowered', async () => {
      // Prepare
      const job = await finishedJob();
      await drainQueue(h.stack, h.stack.resources.queueUrls.ocr, 1);
      const before = Date.now();

      // Act
      const res = await asA().post(`/api/jobs/${job.id}/retry`);

      // Assess: the answer
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ id: job.id, status: 'PROCESSING', done_items: 1, error_items: 0 });
      expect(res.body.items.map((i: { status: string }) => i.status)).toEqual(['DONE', 'PENDING', 'PENDING']);
      expect(res.body.items[1]).toMatchObject({ error_msg: null, finished_at: null });
      expect(new Date(res.body.expires_at).getTime()).toBeGreaterThan(before);
      expect(new Date(res.body.expires_at).getTime()).toBeGreaterThanOrEqual(
        new Date(job.expires_at).getTime(),
      );
      // the rows
      const items = await JobItem.findAll({ where: { job_id: job.id }, order: [['created_at', 'ASC']] });
      expect(items.map((i) => [i.status, i.run])).toEqual([
        ['DONE', 0],
        ['PENDING', 1],
        ['PENDING', 1],
      ]);
      // one message per failed item, carrying the new run
      const messages = await ocrMessagesOf(job.id, 2);
      expect(messages.map((m) => [m.item_id, m.run]).sort()).toEqual(
        [
          [job.items[1]!.id, 1],
          [job.items[2]!.id, 1],
        ].sort(),
      );
      // job.retried once, item.requeued per item
      const events = await auditOf(job.id);
      expect(events.filter((e) => e.action === 'job.retried').map((e) => e.details)).toEqual([{ items: 2 }]);
      expect(
        events
          .filter((e) => e.action === 'item.requeued')
          .map((e) => [e.item_id, e.details.run])
          .sort(),
      ).toEqual(
        [
          [job.items[1]!.id, 1],
          [job.items[2]!.id, 1],
        ].sort(),
      );
    });

    it('answers 409 NOTHING_TO_RETRY when no item failed (also for a second retry), changing nothing', async () => {
      const clean = await finishedJob(['DONE', 'DONE']);
      const res = await asA().post(`/api/jobs/${clean.id}/retry`);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('NOTHING_TO_RETRY');
      expect(await Job.findByPk(clean.id)).toMatchObject({ status: 'DONE', done_items: 2 });

      const job = await finishedJob(['ERROR']);
      expect((await asA().post(`/api/jobs/${job.id}/retry`)).status).toBe(202);
      const again = await asA().post(`/api/jobs/${job.id}/retry`);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('NOTHING_TO_RETRY');
      expect((await JobItem.findByPk(job.items[0]!.id))!.run).toBe(1);
    });

    it('answers 409 JOB_EXPIRED for an expired job', async () => {
      const job = await finishedJob(['ERROR']);
      await Job.update({ status: 'EXPIRED' }, { where: { id: job.id } });
      const res = await asA().post(`/api/jobs/${job.id}/retry`);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('JOB_EXPIRED');
      expect((await JobItem.findByPk(job.items[0]!.id))!.status).toBe('ERROR');
    });

    it("answers 404 for another tenant's job and an unknown one, 400 for a bad id", async () => {
      const job = await finishedJob(['ERROR']);
      const other = await asB().post(`/api/jobs/${job.id}/retry`);
      expect(other.status).toBe(404);
      expect(other.body.error.code).toBe('JOB_NOT_FOUND');
      expect((await asA().post('/api/jobs/6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f/retry')).status).toBe(404);
      expect((await asA().post('/api/jobs/nope/retry')).body.error.code).toBe('INVALID_ID');
      expect((await JobItem.findByPk(job.items[0]!.id))!.status).toBe('ERROR');
    });

    it('does it once per Idempotency-Key: a repeat answers 202 with the job and queues nothing more', async () => {
      const job = await finishedJob(['DONE', 'ERROR']);
      const first = await asA().post(`/api/jobs/${job.id}/retry`).set('Idempotency-Key', `retry-${job.id}`);
      expect(first.status).toBe(202);
      const repeat = await asA().post(`/api/jobs/${job.id}/retry`).set('Idempotency-Key', `retry-${job.id}`);
      expect(repeat.status).toBe(202);
      expect(repeat.headers['idempotency-replayed']).toBe('true');
      expect(repeat.body).toMatchObject({ id: job.id, status: 'PROCESSING', error_items: 0 });
      expect((await JobItem.findByPk(job.items[1]!.id))!.run).toBe(1);
      expect(await ocrMessagesOf(job.id, 1)).toHaveLength(1);
      // The same key for another request is a client mistake, not a replay.
      const other = await finishedJob(['ERROR']);
      const reused = await asA()
        .post(`/api/jobs/${other.id}/retry`)
        .set('Idempotency-Key', `retry-${job.id}`);
      expect(reused.status).toBe(422);
      expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    });
  });

  describe('POST /api/jobs/{id}/items/{item_id}/reprocess', () => {
    it('re-reads a DONE item with new languages and pages: PENDING on its next run, done_items lowered', async () => {
      // Prepare: the item's result object exists from its first run.
      const job = await finishedJob(['DONE', 'ERROR']);
      const item = job.items[0]!;
      await h.stack.clients.s3.send(
        new PutObjectCommand({
          Bucket: h.stack.names.bucket,
          Key: resultKey(job.id, item.id),
          Body: JSON.stringify({ old: true }),
        }),
      );
      await drainQueue(h.stack, h.stack.resources.queueUrls.ocr, 1);

      // Act
      const res = await asA()
        .post(`/api/jobs/${job.id}/items/${item.id}/reprocess`)
        .send({ languages: 'por+eng', pages: '1-3,7' });

      // Assess
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'PROCESSING', done_items: 0, error_items: 1 });
      expect(res.body.items[0]).toMatchObject({ status: 'PENDING', ocr_text: null, confidence: null });
      const row = (await JobItem.findByPk(item.id))!;
      expect([row.status, row.run, row.languages, row.page_range]).toEqual([
        'PENDING',
        1,
        'por+eng',
        '1-3,7',
      ]);
      expect((await ocrMessagesOf(job.id, 1)).map((m) => [m.item_id, m.run])).toEqual([[item.id, 1]]);
      const events = (await auditOf(job.id)).filter((e) => e.action === 'item.reprocess_requested');
      expect(events).toEqual([
        expect.objectContaining({
          item_id: item.id,
          details: { run: 1, previous_status: 'DONE', languages: 'por+eng', pages: '1-3,7' },
        }),
      ]);
      // Until the new run finishes, the item has no result to give (the old object is still stored).
      for (const format of ['json', 'txt']) {
        const result = await asA().get(`/api/jobs/${job.id}/items/${item.id}?format=${format}`);
        expect(result.status).toBe(409);
        expect(result.body.error.code).toBe('RESULT_NOT_READY');
      }
    });

    it('re-reads an ERROR item without a body, keeping its options; error_items lowered', async () => {
      const job = await finishedJob(['DONE', 'ERROR']);
      const item = job.items[1]!;
      const res = await asA().post(`/api/jobs/${job.id}/items/${item.id}/reprocess`);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'PROCESSING', done_items: 1, error_items: 0 });
      const row = (await JobItem.findByPk(item.id))!;
      expect([row.status, row.run, row.languages, row.page_range, row.error_msg]).toEqual([
        'PENDING',
        1,
        'eng',
        null,
        null,
      ]);
      // A second reprocess while it is PENDING is refused.
      const again = await asA().post(`/api/jobs/${job.id}/items/${item.id}/reprocess`).send({});
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('ITEM_IN_PROGRESS');
    });

    it('answers 409 ITEM_IN_PROGRESS for an item being read, changing nothing', async () => {
      const job = await finishedJob(['DONE', 'PROCESSING']);
      const res = await asA().post(`/api/jobs/${job.id}/items/${job.items[1]!.id}/reprocess`);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('ITEM_IN_PROGRESS');
      expect(await Job.findByPk(job.id)).toMatchObject({ status: 'PROCESSING', done_items: 1 });
      expect((await JobItem.findByPk(job.items[1]!.id))!.run).toBe(0);
    });

    it('refuses bad bodies with a 4xx code, and answers 404 for unknown items and other tenants', async () => {
      const job = await finishedJob(['DONE']);
      const url = `/api/jobs/${job.id}/items/${job.items[0]!.id}/reprocess`;
      const cases: Array<[object, number, string]> = [
        [{ languages: 'por eng' }, 400, 'INVALID_LANGUAGES'],
        [{ languages: 'tlh' }, 422, 'UNSUPPORTED_LANGUAGE'],
        [{ languages: 7 }, 400, 'VALIDATION_FAILED'],
        [{ pages: '3-1' }, 400, 'INVALID_PAGE_RANGE'],
        [{ pages: '0' }, 400, 'INVALID_PAGE_RANGE'],
        [{ pages: 'all' }, 400, 'INVALID_PAGE_RANGE'],
        // A PNG has one page: a range without page 1 would read nothing.
        [{ pages: '2-3' }, 422, 'PAGES_OUT_OF_RANGE'],
        [{ page: '1' }, 400, 'VALIDATION_FAILED'],
      ];
      for (const [body, status, code] of cases) {
        const res = await asA().post(url).send(body);
        expect([JSON.stringify(body), res.status, res.body.error?.code]).toEqual([
          JSON.stringify(body),
          status,
          code,
        ]);
      }
      expect((await asB().post(url)).status).toBe(404);
      const unknown = await asA().post(
        `/api/jobs/${job.id}/items/6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f/reprocess`,
      );
      expect([unknown.status, unknown.body.error.code]).toEqual([404, 'ITEM_NOT_FOUND']);
      expect(await Job.findByPk(job.id)).toMatchObject({ status: 'DONE', done_items: 1 });
    });
  });

  describe('GET /api/jobs?has_errors', () => {
    it('filters on error_items > 0, with status and across pages', async () => {
      const tenantJobs = async (query: string) => {
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await asA().get(`/api/jobs?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`);
          expect(page.status).toBe(200);
          ids.push(...page.body.data.map((j: { id: string }) => j.id));
          cursor = page.body.next_cursor;
        } while (cursor);
        return ids;
      };
      const partial = await finishedJob(['DONE', 'ERROR']);
      const clean = await finishedJob(['DONE']);
      const failed = await finishedJob(['ERROR']);
      const all = await Job.findAll({ where: { tenant: 'tenant-a' } });
      const withErrors = all.filter((j) => j.error_items > 0).map((j) => j.id);

      expect((await tenantJobs('&has_errors=true')).sort()).toEqual(withErrors.sort());
      expect((await tenantJobs('&has_errors=false')).sort()).toEqual(
        all
          .filter((j) => j.error_items === 0)
          .map((j) => j.id)
          .sort(),
      );
      const doneWithErrors = await tenantJobs('&status=DONE&has_errors=true');
      expect(doneWithErrors).toContain(partial.id);
      expect(doneWithErrors).not.toContain(clean.id);
      expect(doneWithErrors).not.toContain(failed.id);
      const bad = await asA().get('/api/jobs?has_errors=yes');
      expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    });
  });
});
