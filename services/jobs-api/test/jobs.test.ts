import { describe, expect, it } from '@jest/globals';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ApiKey, createApiKey, Job, JobItem, OutboxMessage } from '@ocr-jobs/db';
import { imageMagick, testDialects, testPng } from '@ocr-jobs/testing';
import { collectMessages, drainQueue, MiB, harnessForSuite } from './support/harness';
import { jpeg, jpegBmp, pdf, pdfPages, png, tiff } from './support/fixtures';
import { HEAD_BYTES } from '../src/uploads/image-header';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(testDialects())('jobs API on %s', (dialect) => {
  const h = harnessForSuite(dialect);

  const { asA, asB } = h;

  async function objectKeys(prefix: string): Promise<string[]> {
    const out = await h.stack.clients.s3.send(
      new ListObjectsV2Command({ Bucket: h.stack.names.bucket, Prefix: prefix }),
    );
    return (out.Contents ?? []).map((o) => o.Key as string);
  }

  /** A refused request leaves no job, item, outbox row or object behind. */
  async function expectNothingLeft(before: Awaited<ReturnType<typeof snapshot>>) {
    expect(await Job.count()).toBe(before.jobs);
    expect(await JobItem.count()).toBe(before.items);
    expect((await objectKeys('jobs/')).length).toBe(before.objects);
    expect(await OutboxMessage.count({ where: { destination: 'ocr' } })).toBe(before.outbox);
  }
  async function snapshot() {
    // The relay may still be sending earlier rows: wait until the OCR outbox is empty.
    for (let i = 0; i < 50 && (await OutboxMessage.count({ where: { destination: 'ocr' } })) > 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    return {
      jobs: await Job.count(),
      items: await JobItem.count(),
      objects: (await objectKeys('jobs/')).length,
      outbox: await OutboxMessage.count({ where: { destination: 'ocr' } }),
    };
  }

  describe('authentication', () => {
    it('refuses a request without x-api-key with 401 MISSING_API_KEY', async () => {
      const res = await h.api().get('/api/jobs');
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'MISSING_API_KEY', message: expect.any(String) } });
    });

    it('refuses an unknown key with 401 INVALID_API_KEY', async () => {
      const res = await h.api().get('/api/jobs').set('x-api-key', 'ocrj_not-a-key');
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('INVALID_API_KEY');
    });

    it('refuses a revoked key with 401', async () => {
      const { key, record } = await createApiKey({ tenant: 'tenant-a', name: 'to revoke' });
      expect((await h.api().get('/api/jobs').set('x-api-key', key)).status).toBe(200);
      await ApiKey.update({ revoked_at: new Date() }, { where: { id: record.id } });
      const res = await h.api().get('/api/jobs').set('x-api-key', key);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('INVALID_API_KEY');
    });
  });

  describe('POST /api/jobs (multipart)', () => {
    it('stores each file under jobs/{job_id}/{item_id}.{detected ext}, records the job and queues one message per item', async () => {
      await drainQueue(h.stack, h.stack.resources.queueUrls.ocr, 0);
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const res = await asA()
        .post('/api/jobs')
        .set('traceparent', traceparent)
        .field('name', 'march invoices')
        .attach('images', png(40, 30), { filename: 'first.png', contentType: 'image/png' })
        // The client's type and name lie; the content decides.
        .attach('images', jpeg(50, 20), { filename: 'second.gif', contentType: 'text/plain' })
        .attach('images', pdf(), { filename: 'third.pdf', contentType: 'application/octet-stream' });

      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`/api/jobs/${res.body.id}`);
      expect(res.body).toMatchObject({
        name: 'march invoices',
        status: 'PENDING',
        total_items: 3,
        done_items: 0,
        error_items: 0,
        progress_percent: 0,
      });
      expect(res.body.id).toMatch(UUID);
      const created = Date.parse(res.body.created_at);
      expect(Date.parse(res.body.expires_at) - created).toBe(2 * 24 * 3600 * 1000);
      const items = res.body.items as Array<Record<string, unknown>>;
      expect(items.map((i) => i.filename)).toEqual(['first.png', 'second.gif', 'third.pdf']);
      expect(items.map((i) => i.content_type)).toEqual(['image/png', 'image/jpeg', 'application/pdf']);
      for (const [index, item] of items.entries()) {
        const ext = ['png', 'jpg', 'pdf'][index];
        expect(item.s3_key).toBe(`jobs/${res.body.id}/${item.id}.${ext}`);
        expect(item).toMatchObject({ status: 'PENDING', ocr_text: null, confidence: null, error_msg: null });
        const head = await h.stack.clients.s3.send(
          new HeadObjectCommand({ Bucket: h.stack.names.bucket, Key: item.s3_key as string }),
        );
        expect(head.ContentLength).toBe(item.bytes);
      }

      const messages = await collectMessages(h.stack, h.stack.resources.queueUrls.ocr, 3);
      expect(messages).toHaveLength(3);
      const bodies = messages.map((m) => JSON.parse(m.Body as string));
      expect(bodies.map((b) => b.item_id).sort()).toEqual(items.map((i) => i.id).sort());
      for (const body of bodies) {
        expect(body).toEqual({
          job_id: res.body.id,
          item_id: expect.stringMatching(UUID),
          s3_bucket: h.stack.names.bucket,
          s3_key: items.find((i) => i.id === body.item_id)?.s3_key,
          created_at: res.body.created_at,
        });
      }
      expect(messages.map((m) => m.MessageAttributes?.traceparent?.StringValue)).toEqual([
        traceparent,
        traceparent,
        traceparent,
      ]);
    });

    it('keeps an accented filename as the client wrote it (UTF-8 in the multipart header)', async () => {
      const res = await asA()
        .post('/api/jobs')
        .field('name', 'cartas')
        .attach('images', png(10, 10), { filename: 'página de informações.png' });

      expect(res.status).toBe(201);
      expect(res.body.items[0].filename).toBe('página de informações.png');
      const detail = await asA().get(`/api/jobs/${res.body.id}`);
      expect(detail.body.items[0].filename).toBe('página de informações.png');
    });

    it('accepts a TIFF whose directory lies beyond the first 256 KiB', async () => {
      const res = await asA()
        .post('/api/jobs')
        .field('name', 'tiff')
        .attach('images', tiff(800, 600, HEAD_BYTES + 1000), { filename: 'scan.tif' });
      expect(res.status).toBe(201);
      expect(res.body.items[0].s3_key).toMatch(/\.tiff$/);
    });

    it("accepts ImageMagick's default BMP (V5 header) and an RLE8 one", async () => {
      const res = await asA()
        .post('/api/jobs')
        .field('name', 'bmp')
        .attach('images', imageMagick(testPng(40, 20), 'bmp'), { filename: 'scan.bmp' })
        .attach('images', imageMagick(testPng(40, 20), 'BMP3', '-type', 'Palette', '-compress', 'RLE'), {
          filename: 'rle.bmp',
        });
      expect(res.status).toBe(201);
      expect(res.body.items.map((i: { content_type: string }) => i.content_type)).toEqual([
        'image/bmp',
        'image/bmp',
      ]);
    });

    type Req = ReturnType<ReturnType<typeof asA>['post']>;
    const refusals: Array<[string, number, string, (r: Req) => Req]> = [
      [
        'a file that is no accepted type',
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        (r) =>
          r
            .field('name', 'x')
            .attach('images', png(10, 10), { filename: 'ok.png' })
            .attach('images', Buffer.from('#!/bin/sh\necho hi\n'), {
              filename: 'evil.png',
              contentType: 'image/png',
            }),
      ],
      [
        'more files than MAX_FILES',
        413,
        'TOO_MANY_FILES',
        (r) => {
          let req = r.field('name', 'x');
          for (let i = 0; i < 6; i++) req = req.attach('images', png(10, 10), { filename: `p${i}.png` });
          return req;
        },
      ],
      [
        'a file over MAX_FILE_BYTES',
        413,
        'FILE_TOO_LARGE',
        (r) => r.field('name', 'x').attach('images', png(10, 10, 5 * MiB), { filename: 'big.png' }),
      ],
      [
        'files over MAX_TOTAL_BYTES together',
        413,
        'REQUEST_TOO_LARGE',
        (r) =>
          r
            .field('name', 'x')
            .attach('images', png(10, 10, 3 * MiB), { filename: 'a.png' })
            .attach('images', png(10, 10, 3 * MiB), { filename: 'b.png' })
            .attach('images', png(10, 10, 3 * MiB), { filename: 'c.png' }),
      ],
      [
        'an image over MAX_IMAGE_PIXELS',
        422,
        'IMAGE_TOO_LARGE',
        (r) =>
          r
            .field('name', 'x')
            .attach('images', png(10, 10), { filename: 'ok.png' })
            .attach('images', png(2000, 1000), { filename: 'huge.png' }),
      ],
      [
        'a TIFF over MAX_IMAGE_PIXELS, measured after upload',
        422,
        'IMAGE_TOO_LARGE',
        (r) =>
          r.field('name', 'x').attach('images', tiff(4000, 4000, HEAD_BYTES + 10), { filename: 'huge.tif' }),
      ],
      [
        'an image whose size cannot be read',
        422,
        'UNREADABLE_IMAGE',
        (r) =>
          r
            .field('name', 'x')
            .attach('images', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2]), { filename: 'cut.jpg' }),
      ],
      [
        'a JPEG-compressed BMP (BI_JPEG)',
        415,
        'UNSUPPORTED_BMP',
        (r) => r.field('name', 'x').attach('images', jpegBmp(10, 10), { filename: 'jpeg.bmp' }),
      ],
      [
        'a truncated BMP',
        422,
        'CORRUPT_BMP',
        (r) => {
          const whole = imageMagick(testPng(40, 20), 'bmp', '-type', 'TrueColor');
          return r
            .field('name', 'x')
            .attach('images', whole.subarray(0, whole.length - 100), { filename: 'cut.bmp' });
        },
      ],
      [
        'an empty file',
        422,
        'EMPTY_FILE',
        (r) => r.field('name', 'x').attach('images', Buffer.alloc(0), { filename: 'empty.png' }),
      ],
      [
        'a missing name',
        400,
        'VALIDATION_FAILED',
        (r) => r.attach('images', png(10, 10), { filename: 'a.png' }),
      ],
      [
        'a name over 255 characters',
        400,
        'VALIDATION_FAILED',
        (r) => r.field('name', 'n'.repeat(256)).attach('images', png(10, 10), { filename: 'a.png' }),
      ],
      ['no files', 400, 'NO_FILES', (r) => r.field('name', 'x').field('other', 'y')],
      [
        'a file in another field',
        400,
        'UNEXPECTED_FILE_FIELD',
        (r) => r.field('name', 'x').attach('file', png(10, 10), { filename: 'a.png' }),
      ],
    ];

    it.each(refusals)(
      'refuses %s with %i %s and leaves nothing behind',
      async (_what, status, code, build) => {
        const before = await snapshot();
        const res = await build(asA().post('/api/jobs'));
        expect(res.status).toBe(status);
        expect(res.body.error.code).toBe(code);
        expect(res.body.error.message).toEqual(expect.any(String));
        await expectNothingLeft(before);
      },
    );

    it('names the limit in the message', async () => {
      const res = await asA()
        .post('/api/jobs')
        .field('name', 'x')
        .attach('images', png(10, 10, 5 * MiB), { filename: 'big.png' });
      expect(res.body.error.message).toContain('MAX_FILE_BYTES');
    });

    it('refuses a malformed multipart body with 400 MALFORMED_MULTIPART', async () => {
      const res = await asA()
        .post('/api/jobs')
        .set('content-type', 'multipart/form-data; boundary=XYZ')
        .send('--XYZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--XYZ\r\nContent-Dispo');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('MALFORMED_MULTIPART');
      const noBoundary = await asA().post('/api/jobs').set('content-type', 'multipart/form-data').send('x');
      expect(noBoundary.status).toBe(400);
      expect(noBoundary.body.error.code).toBe('MALFORMED_MULTIPART');
    });

    it('refuses other body types with 415 and malformed JSON with 400', async () => {
      const text = await asA().post('/api/jobs').set('content-type', 'text/plain').send('hello');
      expect(text.status).toBe(415);
      expect(text.body.error.code).toBe('UNSUPPORTED_CONTENT_TYPE');
      const json = await asA().post('/api/jobs').set('content-type', 'application/json').send('{"name": ');
      expect(json.status).toBe(400);
      expect(json.body.error.code).toBe('INVALID_JSON');
    });

    it('refuses a declared body far over the limits before reading it', async () => {
      const res = await asA()
        .post('/api/jobs')
        .set('content-type', 'multipart/form-data; boundary=XYZ')
        .set('content-length', String(100 * MiB))
        .send('--XYZ--');
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('REQUEST_TOO_LARGE');
    });
  });

  describe('pages (multipart)', () => {
    const fourPageTiff = () => imageMagick(testPng(40, 20), 'TIFF', '-duplicate', '3');
    const create = (pages: string, file: Buffer, filename: string) =>
      asA()
        .post('/api/jobs')
        .field('name', 'pages')
        .field('pages', pages)
        .attach('images', file, { filename });

    it('stores the normalised range on every item and shows it', async () => {
      const res = await asA()
        .post('/api/jobs')
        .field('name', 'pages')
        .field('pages', ' 3 , 1-2,7')
        .attach('images', fourPageTiff(), { filename: 'scan.tif' })
        .attach('images', pdfPages(9), { filename: 'doc.pdf' });

      expect(res.status).toBe(201);
      expect(res.body.items.map((i: { pages: string }) => i.pages)).toEqual(['1-3,7', '1-3,7']);
      const items = await JobItem.findAll({ where: { job_id: res.body.id } });
      expect(items.map((i) => i.page_range)).toEqual(['1-3,7', '1-3,7']);
    });

    it('reads every page without pages (null), and a blank field means the same', async () => {
      const res = await create(' ', pdfPages(2), 'doc.pdf');

      expect(res.status).toBe(201);
      expect(res.body.items[0].pages).toBeNull();
      expect((await JobItem.findByPk(res.body.items[0].id))!.page_range).toBeNull();
    });

    it('accepts a range partly past the end (the pages that exist are read)', async () => {
      expect((await create('3-9', fourPageTiff(), 'scan.tif')).status).toBe(201);
      expect((await create('2-5', pdfPages(2), 'doc.pdf')).status).toBe(201);
      expect((await create('1-3', png(10, 10), 'one.png')).status).toBe(201);
    });

    it.each([
      ['3-1', /"3-1" runs backwards/],
      ['1,a', /"a" is not a page or a range/],
      ['0', /count from 1/],
    ])(
      'refuses the syntax "%s" with 400 INVALID_PAGE_RANGE and leaves nothing behind',
      async (pages, message) => {
        const before = await snapshot();
        const res = await create(pages, pdfPages(2), 'doc.pdf');

        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('INVALID_PAGE_RANGE');
        expect(res.body.error.message).toMatch(message);
        await expectNothingLeft(before);
      },
    );

    it.each([
      [
        'a PDF',
        '5-7',
        () => pdfPages(3),
        'doc.pdf',
        /"doc.pdf" has 3 pages; pages "5-7" selects none of them/,
      ],
      ['a TIFF', '5', fourPageTiff, 'scan.tif', /"scan.tif" has 4 pages; pages "5" selects none/],
      ['a one-page image', '2-3', () => png(10, 10), 'one.png', /"one.png" has 1 page; pages "2-3"/],
    ])(
      'refuses a range beyond %s with 422 PAGES_OUT_OF_RANGE and leaves nothing behind',
      async (_what, pages, file, filename, message) => {
        const before = await snapshot();
        const res = await asA()
          .post('/api/jobs')
          .field('name', 'pages')
          .field('pages', pages)
          .attach('images', pdfPages(9), { filename: 'long.pdf' })
          .attach('images', file(), { filename });

        expect(res.status).toBe(422);
        expect(res.body.error.code).toBe('PAGES_OUT_OF_RANGE');
        expect(res.body.error.message).toMatch(message);
        await expectNothingLeft(before);
      },
    );
  });

  describe('Idempotency-Key', () => {
    const create = (key: string, name: string, agent = asA()) =>
      agent
        .post('/api/jobs')
        .set('Idempotency-Key', key)
        .field('name', name)
        .attach('images', png(10, 10), { filename: 'a.png' })
        .attach('images', pdf(), { filename: 'b.pdf' });

    it('returns the original job for a repeated request, without a second job or messages', async () => {
      const first = await create('key-1', 'once');
      expect(first.status).toBe(201);
      await collectMessages(h.stack, h.stack.resources.queueUrls.ocr, 2);
      const before = await snapshot();

      const again = await create('key-1', 'once');
      expect(again.status).toBe(201);
      expect(again.headers['idempotency-replayed']).toBe('true');
      expect(again.body.id).toBe(first.body.id);
      expect(again.body.items.map((i: { id: string }) => i.id)).toEqual(
        first.body.items.map((i: { id: string }) => i.id),
      );
      await expectNothingLeft(before);
      expect(await drainQueue(h.stack, h.stack.resources.queueUrls.ocr, 1)).toHaveLength(0);
    });

    it('refuses the same key with a different request with 422', async () => {
      await create('key-2', 'one');
      const before = await snapshot();
      const res = await create('key-2', 'another');
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      await expectNothingLeft(before);
    });

    it('keeps keys per tenant', async () => {
      const a = await create('shared-key', 'same');
      const b = await create('shared-key', 'same', asB());
      expect(b.status).toBe(201);
      expect(b.body.id).not.toBe(a.body.id);
      expect(b.headers['idempotency-replayed']).toBeUndefined();
    });

    it('answers two simultaneous requests with the same key with one job', async () => {
      const [x, y] = await Promise.all([create('key-race', 'race'), create('key-race', 'race')]);
      expect([x.status, y.status]).toEqual([201, 201]);
      expect(x.body.id).toBe(y.body.id);
      expect(await Job.count({ where: { name: 'race' } })).toBe(1);
    });

    it('refuses an unusable key with 400', async () => {
      const res = await create('bad key with spaces', 'x');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_IDEMPOTENCY_KEY');
    });
  });

  describe('GET /api/jobs', () => {
    const tenant = 'tenant-a';
    let seeded: Job[];
    beforeAll(async () => {
      // 105 jobs straight into the table: 5 share one created_at, so the id breaks the tie.
      const base = Date.parse('2020-01-01T00:00:00.000Z');
      seeded = await Job.bulkCreate(
        Array.from({ length: 105 }, (_, i) => ({
          id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          tenant,
          name: `seeded ${i}`,
          status: i % 3 === 0 ? 'DONE' : 'PENDING',
          created_at: new Date(base + Math.max(i, 100) * 1000),
          updated_at: new Date(base),
          sqs_retention_deadline: new Date(base + 2 * 86_400_000),
          total_items: 1,
        })),
      );
    });

    async function allPages(query: string, limit: number) {
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await asA().get(`/api/jobs?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.data.length).toBeLessThanOrEqual(limit);
        ids.push(
          ...res.body.data
            .filter((j: { name: string }) => j.name.startsWith('seeded'))
            .map((j: { id: string }) => j.id),
        );
        cursor = res.body.next_cursor;
        pages++;
      } while (cursor && pages < 200);
      return ids;
    }

    it('pages through every job exactly once, newest first, ties broken by id', async () => {
      const ids = await allPages('', 7);
      const expected = [...seeded]
        .sort((x, y) => y.created_at.getTime() - x.created_at.getTime() || (y.id < x.id ? -1 : 1))
        .map((j) => j.id);
      expect(ids).toEqual(expected);
    });

    it('filters by status', async () => {
      const ids = await allPages('&status=DONE', 10);
      expect(ids).toHaveLength(35);
      const res = await asA().get('/api/jobs?status=DONE&limit=100');
      expect(res.body.data.every((j: { status: string }) => j.status === 'DONE')).toBe(true);
    });

    it('lists summaries with the documented fields', async () => {
      const res = await asA().get('/api/jobs?limit=1');
      expect(Object.keys(res.body.data[0]).sort()).toEqual(
        [
          'created_at',
          'done_items',
          'error_items',
          'expires_at',
          'id',
          'name',
          'status',
          'total_items',
        ].sort(),
      );
      expect(res.body.next_cursor).toEqual(expect.any(String));
    });

    it('caps the limit at PAGE_LIMIT_MAX and returns null next_cursor on the last page', async () => {
      const res = await asA().get('/api/jobs?limit=1000');
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(100);
      const last = await asA().get('/api/jobs?status=DONE&limit=100');
      expect(last.body.data).toHaveLength(35);
      expect(last.body.next_cursor).toBeNull();
    });

    it.each([
      ['limit=0', 'VALIDATION_FAILED'],
      ['limit=-1', 'VALIDATION_FAILED'],
      ['limit=abc', 'VALIDATION_FAILED'],
      ['status=NOPE', 'VALIDATION_FAILED'],
      ['cursor=not-a-cursor', 'INVALID_CURSOR'],
      [`cursor=${Buffer.from('["x","y"]').toString('base64url')}`, 'INVALID_CURSOR'],
    ])('refuses %s with 400 %s', async (query, code) => {
      const res = await asA().get(`/api/jobs?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(code);
    });

    it("never lists another tenant's jobs", async () => {
      const res = await asB().get('/api/jobs?limit=100');
      expect(res.body.data.some((j: { name: string }) => j.name.startsWith('seeded'))).toBe(false);
    });
  });

  describe('GET, PATCH, DELETE /api/jobs/{id}', () => {
    let job: { id: string; items: Array<{ id: string; s3_key: string }> };
    beforeAll(async () => {
      const res = await asA()
        .post('/api/jobs')
        .field('name', 'detail')
        .attach('images', png(10, 10), { filename: 'a.png' })
        .attach('images', png(10, 10), { filename: 'b.png' })
        .attach('images', png(10, 10), { filename: 'c.png' });
      job = res.body;
    });

    it('shows the job with its items and progress', async () => {
      const [done, failed] = job.items;
      await JobItem.update(
        { status: 'DONE', ocr_text: 'hello', confidence: 91.5, finished_at: new Date() },
        { where: { id: done!.id } },
      );
      await JobItem.update({ status: 'ERROR', error_msg: 'unreadable' }, { where: { id: failed!.id } });
      await Job.update({ status: 'PROCESSING', done_items: 1, error_items: 1 }, { where: { id: job.id } });

      const res = await asA().get(`/api/jobs/${job.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: job.id,
        status: 'PROCESSING',
        done_items: 1,
        error_items: 1,
        progress_percent: 67,
      });
      expect(Object.keys(res.body).sort()).toEqual(
        [
          'created_at',
          'done_items',
          'error_items',
          'expires_at',
          'id',
          'items',
          'languages',
          'name',
          'progress_percent',
          'status',
          'total_items',
          'updated_at',
        ].sort(),
      );
      expect(res.body.items[0]).toMatchObject({ status: 'DONE', ocr_text: 'hello', confidence: 91.5 });
      expect(res.body.items[0].finished_at).toEqual(expect.any(String));
      expect(res.body.items[1]).toMatchObject({ status: 'ERROR', ocr_text: null, error_msg: 'unreadable' });
      expect(res.body.items[2]).toMatchObject({ status: 'PENDING', ocr_text: null });
    });

    it('renames the job', async () => {
      const res = await asA().patch(`/api/jobs/${job.id}`).send({ name: '  renamed  ' });
      expect(res.status).toBe(200);
      expect(res.body.name).toBe('renamed');
      expect(res.body.items).toHaveLength(3);
      expect((await asA().get(`/api/jobs/${job.id}`)).body.name).toBe('renamed');
    });

    it.each([
      [{}, 'missing name'],
      [{ name: '' }, 'empty name'],
      [{ name: 'x'.repeat(256) }, 'long name'],
      [{ name: 42 }, 'number'],
    ])('refuses a rename with %j (%s) with 400', async (body, _why) => {
      const res = await asA().patch(`/api/jobs/${job.id}`).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    });

    it('answers 400 INVALID_ID for a malformed id and 404 for an unknown one', async () => {
      for (const verb of ['get', 'patch', 'delete'] as const) {
        const bad = await asA()[verb]('/api/jobs/not-a-uuid').send({ name: 'x' });
        expect(bad.status).toBe(400);
        expect(bad.body.error.code).toBe('INVALID_ID');
        const unknownId = '/api/jobs/7d0b8f8e-6c59-4d0f-9f5e-4b8f5c0b9a11';
        const unknown = await asA()[verb](unknownId).send({ name: 'x' });
        expect(unknown.status).toBe(404);
        expect(unknown.body.error.code).toBe('JOB_NOT_FOUND');
      }
    });

    it("answers 404 for another tenant's job on every verb, exactly as for a missing job", async () => {
      for (const [verb, path] of [
        ['get', ''],
        ['patch', ''],
        ['delete', ''],
        ['get', '/events'],
        ['get', `/items/${job.items[0]!.id}`],
      ] as const) {
        const res = await asB()[verb](`/api/jobs/${job.id}${path}`).send({ name: 'stolen' });
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('JOB_NOT_FOUND');
      }
      expect((await asA().get(`/api/jobs/${job.id}`)).body.name).toBe('renamed');
    });

    it('deletes the job, its rows and its objects', async () => {
      const res = await asA().delete(`/api/jobs/${job.id}`);
      expect(res.status).toBe(204);
      expect(await objectKeys(`jobs/${job.id}/`)).toEqual([]);
      expect(await JobItem.count({ where: { job_id: job.id } })).toBe(0);
      expect((await asA().get(`/api/jobs/${job.id}`)).status).toBe(404);
      expect((await asA().delete(`/api/jobs/${job.id}`)).status).toBe(404);
    });
  });

  it('answers unknown routes and methods with JSON errors', async () => {
    const route = await asA().get('/api/nothing-here');
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe('NOT_FOUND');
    const method = await asA().put('/api/jobs');
    expect(method.status).toBe(405);
    expect(method.body.error.code).toBe('METHOD_NOT_ALLOWED');
  });
});
