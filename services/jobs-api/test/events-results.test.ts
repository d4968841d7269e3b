import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { queryTenantEvents } from '@ocr-jobs/audit-store';
import { resultKey, type OcrResult } from '@ocr-jobs/contracts';
import { JobItem } from '@ocr-jobs/db';
import { testDialects } from '@ocr-jobs/testing';
import { eventually, startHarness, storeAuditEvents, type Harness } from './support/harness';
import { png } from './support/fixtures';

describe.each(testDialects())('audit events and item results on %s', (dialect) => {
  let h: Harness;
  let job: { id: string; items: Array<{ id: string }> };
  const startedAt = new Date(Date.now() - 1000).toISOString();

  beforeAll(async () => {
    h = await startHarness(dialect);
    const created = await h
      .api()
      .post('/api/jobs')
      .set('x-api-key', h.keys.a)
      .set('x-request-id', 'req-events-1')
      .field('name', 'audited')
      .attach('images', png(10, 10, 500), { filename: 'a.png' })
      .attach('images', png(10, 10, 700), { filename: 'b.png' })
      .attach('images', png(10, 10, 900), { filename: 'c.png' });
    job = created.body;
    await h.api().patch(`/api/jobs/${job.id}`).set('x-api-key', h.keys.a).send({ name: 'audited, renamed' });
    await h.api().get('/api/jobs').set('x-api-key', 'ocrj_wrong');
    // The other tenant's job, so isolation can be checked on the tenant range query.
    await h
      .api()
      .post('/api/jobs')
      .set('x-api-key', h.keys.b)
      .field('name', 'b')
      .attach('images', png(10, 10), { filename: 'b.png' });
    // audit-logger's part, done here: queue → table.
    await eventually(async () => ((await storeAuditEvents(h.stack)) === 0 ? undefined : true));
    await storeAuditEvents(h.stack);
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  const asA = () => h.api().set('x-api-key', h.keys.a);
  const asB = () => h.api().set('x-api-key', h.keys.b);

  describe('GET /api/jobs/{id}/events', () => {
    it("returns the job's trail oldest first, with what each action changed", async () => {
      const res = await asA().get(`/api/jobs/${job.id}/events`);
      expect(res.status).toBe(200);
      expect(res.body.data.map((e: { action: string }) => e.action)).toEqual(['job.created', 'job.renamed']);
      const [created, renamed] = res.body.data;
      expect(created).toMatchObject({
        tenant: 'tenant-a',
        job_id: job.id,
        request_id: 'req-events-1',
        actor: expect.stringMatching(/^api_key:/),
        details: { items: 3, total_bytes: expect.any(Number), name: 'audited', languages: 'eng' },
      });
      expect(created.details.total_bytes).toBeGreaterThan(2100);
      expect(renamed.details).toEqual({ old_name: 'audited', new_name: 'audited, renamed' });
      expect(res.body.next_cursor).toBeNull();
    });

    it('pages with an opaque cursor', async () => {
      const first = await asA().get(`/api/jobs/${job.id}/events?limit=1`);
      expect(first.body.data).toHaveLength(1);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await asA().get(`/api/jobs/${job.id}/events?limit=1&cursor=${first.body.next_cursor}`);
      expect(second.body.data.map((e: { action: string }) => e.action)).toEqual(['job.renamed']);
    });

    it("refuses a bad cursor, and one from another job's trail, with 400", async () => {
      const bad = await asA().get(`/api/jobs/${job.id}/events?cursor=garbage`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('INVALID_CURSOR');
      const foreign = Buffer.from(
        JSON.stringify({ pk: 'JOB#00000000-0000-4000-8000-000000000000', sk: 'x' }),
      ).toString('base64url');
      const res = await asA().get(`/api/jobs/${job.id}/events?cursor=${foreign}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_CURSOR');
    });

    it("answers 404 for another tenant's job", async () => {
      const res = await asB().get(`/api/jobs/${job.id}/events`);
      expect(res.status).toBe(404);
    });
  });

  describe('GET /api/events', () => {
    it("returns the caller's tenant's events in the range, and only those", async () => {
      const until = new Date(Date.now() + 60_000).toISOString();
      const res = await asA().get(`/api/events?since=${startedAt}&until=${until}`);
      expect(res.status).toBe(200);
      expect(res.body.data.map((e: { action: string }) => e.action)).toEqual(['job.created', 'job.renamed']);
      expect(res.body.data.every((e: { tenant: string }) => e.tenant === 'tenant-a')).toBe(true);
      const empty = await asA().get(`/api/events?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z`);
      expect(empty.body).toEqual({ data: [], next_cursor: null });
    });

    it.each([
      ['', 'VALIDATION_FAILED'],
      ['since=2025-01-01T00:00:00Z', 'VALIDATION_FAILED'],
      ['since=yesterday&until=2025-01-01T00:00:00Z', 'VALIDATION_FAILED'],
      ['since=2025-02-01T00:00:00Z&until=2025-01-01T00:00:00Z', 'VALIDATION_FAILED'],
      ['since=2025-01-01T00:00:00Z&until=2025-02-01T00:00:00Z&cursor=zzz', 'INVALID_CURSOR'],
    ])('refuses ?%s with 400 %s', async (query, code) => {
      const res = await asA().get(`/api/events?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(code);
    });
  });

  it('records refused requests as auth.refused under tenant anonymous, with the key hash prefix', async () => {
    const page = await queryTenantEvents(
      h.stack.clients.dynamodbDocument,
      h.stack.names.auditTable,
      'anonymous',
      {
        limit: 50,
        since: startedAt,
        until: new Date(Date.now() + 60_000).toISOString(),
      },
    );
    const refused = page.data.find((e) => e.details.path === '/api/jobs');
    expect(refused).toMatchObject({
      action: 'auth.refused',
      actor: 'anonymous',
      details: {
        reason: 'invalid_or_revoked',
        key_sha256_prefix: expect.stringMatching(/^[0-9a-f]{12}$/),
        ip: expect.any(String),
      },
    });
  });

  describe('GET /api/jobs/{id}/items/{item_id}', () => {
    let done: string;
    const result = (): OcrResult => ({
      job_id: job.id,
      item_id: done,
      engine: 'tesseract.js 6',
      text: 'Hello <world> & co\fsecond page',
      confidence: 88.5,
      created_at: new Date().toISOString(),
      pages: [
        {
          page: 1,
          width: 100,
          height: 50,
          rotation: 0,
          text: 'Hello <world> & co',
          confidence: 90,
          lines: [],
          hocr: "<div class='ocr_page' id='page_1' title='bbox 0 0 100 50'><span class='ocrx_word'>Hello</span></div>",
        },
        {
          page: 2,
          width: 100,
          height: 50,
          rotation: 0,
          text: 'second page',
          confidence: 87,
          hocr: null,
          lines: [
            {
              text: 'second page',
              confidence: 87,
              bbox: { x0: 1, y0: 2, x1: 90, y1: 20 },
              words: [
                { text: 'second', confidence: 86, bbox: { x0: 1, y0: 2, x1: 40, y1: 20 } },
                { text: 'page', confidence: 88, bbox: { x0: 45, y0: 2, x1: 90, y1: 20 } },
              ],
            },
          ],
        },
      ],
    });

    beforeAll(async () => {
      done = job.items[0]!.id;
      await h.stack.clients.s3.send(
        new PutObjectCommand({
          Bucket: h.stack.names.bucket,
          Key: resultKey(job.id, done),
          Body: JSON.stringify(result()),
          ContentType: 'application/json',
        }),
      );
      await JobItem.update(
        { status: 'DONE', ocr_text: result().text, finished_at: new Date() },
        { where: { id: done } },
      );
      await JobItem.update(
        { status: 'ERROR', error_msg: 'tesseract failed' },
        { where: { id: job.items[1]!.id } },
      );
    });

    it('serves the result document as JSON', async () => {
      const res = await asA().get(`/api/jobs/${job.id}/items/${done}`);
      expect(res.status).toBe(200);
      expect(res.type).toBe('application/json');
      expect(res.body).toMatchObject({
        job_id: job.id,
        item_id: done,
        text: result().text,
        confidence: 88.5,
      });
      expect(res.body.pages).toHaveLength(2);
    });

    it('serves the text as text/plain', async () => {
      const res = await asA().get(`/api/jobs/${job.id}/items/${done}?format=txt`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.text).toBe('Hello <world> & co\fsecond page');
    });

    it("serves an XHTML hOCR document wrapping each page's hOCR", async () => {
      const res = await asA()
        .get(`/api/jobs/${job.id}/items/${done}?format=hocr`)
        .buffer(true)
        .parse((r, cb) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString('utf8')));
          r.on('end', () => cb(null, text));
        });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/xhtml+xml; charset=utf-8');
      const doc = res.body as string;
      expect(doc.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
      expect(doc).toContain('<html xmlns="http://www.w3.org/1999/xhtml"');
      expect(doc).toContain('<meta name="ocr-system" content="tesseract.js 6"/>');
      // Each page is numbered for its place, with the file's name.
      expect(doc).toContain(
        `<div class='ocr_page' id="page_1" title="image &quot;a.png&quot;; bbox 0 0 100 50; ppageno 0">`,
      );
      // A page without hOCR from the engine is built from its lines and words.
      expect(doc).toContain(
        '<div class="ocr_page" id="page_2" title="image &quot;a.png&quot;; bbox 0 0 100 50; ppageno 1">',
      );
      expect(doc).toContain(
        '<span class="ocrx_word" id="word_2_1_2" title="bbox 45 2 90 20; x_wconf 88">page</span>',
      );
      expect(doc.indexOf('page_1')).toBeLessThan(doc.indexOf('page_2'));
    });

    it('serves ALTO XML of the same result', async () => {
      const res = await asA().get(`/api/jobs/${job.id}/items/${done}?format=alto`).buffer(true);

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
      const doc = res.text;
      expect(doc).toContain('<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"');
      expect(doc).toContain('<fileName>a.png</fileName>');
      expect(doc).toContain('<Page ID="page_1" PHYSICAL_IMG_NR="1" WIDTH="100" HEIGHT="50" PC="0.90">');
      expect(doc).toContain(
        '<String ID="word_2_1_1" CONTENT="second" WC="0.86" HPOS="1" VPOS="2" WIDTH="39" HEIGHT="18"/><SP/><String ID="word_2_1_2"',
      );
    });

    it('answers 409 while an item is unfinished or when it failed', async () => {
      const failed = await asA().get(`/api/jobs/${job.id}/items/${job.items[1]!.id}`);
      expect(failed.status).toBe(409);
      expect(failed.body.error.code).toBe('ITEM_FAILED');
      const pending = await asA().get(`/api/jobs/${job.id}/items/${job.items[2]!.id}?format=txt`);
      expect(pending.status).toBe(409);
      expect(pending.body.error.code).toBe('RESULT_NOT_READY');
    });

    it('answers 404 for an unknown item or another tenant, 400 for a bad format or id', async () => {
      const unknown = await asA().get(`/api/jobs/${job.id}/items/00000000-0000-4000-8000-000000000000`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('ITEM_NOT_FOUND');
      expect((await asB().get(`/api/jobs/${job.id}/items/${done}`)).status).toBe(404);
      const format = await asA().get(`/api/jobs/${job.id}/items/${done}?format=docx`);
      expect(format.status).toBe(400);
      expect(format.body.error.code).toBe('INVALID_FORMAT');
      expect((await asA().get(`/api/jobs/${job.id}/items/nope`)).status).toBe(400);
    });

    it('serves txt from the database when the result object is lost; other formats answer 404', async () => {
      // Prepare: storage lost the result object (an in-memory store restarted, a bucket emptied).
      await h.stack.clients.s3.send(
        new DeleteObjectCommand({ Bucket: h.stack.names.bucket, Key: resultKey(job.id, done) }),
      );

      // Act
      const txt = await asA().get(`/api/jobs/${job.id}/items/${done}?format=txt`);
      const json = await asA().get(`/api/jobs/${job.id}/items/${done}?format=json`);
      const hocr = await asA().get(`/api/jobs/${job.id}/items/${done}?format=hocr`);
      const alto = await asA().get(`/api/jobs/${job.id}/items/${done}?format=alto`);
      const pdf = await asA().get(`/api/jobs/${job.id}/items/${done}?format=pdf`);

      // Assess
      expect(txt.status).toBe(200);
      expect(txt.text).toBe('Hello <world> & co\fsecond page');
      for (const res of [json, hocr, alto, pdf]) {
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('RESULT_NOT_FOUND');
        expect(res.body.error.message).toMatch(/format=txt still serves its text/);
      }
    });

    it('deletes the results with the job', async () => {
      expect((await asA().delete(`/api/jobs/${job.id}`)).status).toBe(204);
      await expect(
        h.stack.clients.s3.send(
          new HeadObjectCommand({ Bucket: h.stack.names.bucket, Key: resultKey(job.id, done) }),
        ),
      ).rejects.toMatchObject({ name: 'NotFound' });
      await eventually(async () => ((await storeAuditEvents(h.stack)) > 0 ? true : undefined));
      const trail = await queryTenantEvents(
        h.stack.clients.dynamodbDocument,
        h.stack.names.auditTable,
        'tenant-a',
        {
          limit: 50,
          since: startedAt,
          until: new Date(Date.now() + 60_000).toISOString(),
        },
      );
      expect(trail.data.find((e) => e.action === 'job.deleted')).toMatchObject({
        job_id: job.id,
        details: { items: 3 },
      });
    });
  });
});
