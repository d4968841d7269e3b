import { describe, expect, it } from '@jest/globals';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Job } from '@ocr-jobs/db';
import { imageMagick, testDialects, testPng } from '@ocr-jobs/testing';
import { collectMessages, MiB, harnessForSuite } from './support/harness';
import { jpegBmp, pdfPages, png, tiff } from './support/fixtures';

describe.each(testDialects())('presigned uploads on %s', (dialect) => {
  const h = harnessForSuite(dialect);

  const { asA, asB } = h;

  async function keysUnder(prefix: string) {
    const out = await h.stack.clients.s3.send(
      new ListObjectsV2Command({ Bucket: h.stack.names.bucket, Prefix: prefix }),
    );
    return (out.Contents ?? []).map((o) => o.Key as string);
  }

  /**
   * Asks for a ticket and PUTs the file the way a client would (or, with `declared`/`headers`, the
   * way a broken or dishonest one would: the stand-in, like a bucket open to unsigned writes, takes it).
   */
  async function upload(
    file: Buffer,
    filename: string,
    contentType = 'image/png',
    agent = asA(),
    lie: { declared?: number; headers?: (h: Record<string, string>) => Record<string, string> } = {},
  ) {
    const ticket = await agent
      .post('/api/uploads')
      .send({ filename, content_type: contentType, size: lie.declared ?? file.length });
    expect(ticket.status).toBe(201);
    const headers = ticket.body.upload_headers as Record<string, string>;
    const put = await fetch(ticket.body.upload_url, {
      method: 'PUT',
      headers: lie.headers ? lie.headers(headers) : headers,
      body: file,
    });
    expect(put.status).toBe(200);
    return ticket.body.key as string;
  }

  it('hands out a presigned PUT bound to type and size, valid 15 minutes', async () => {
    const res = await asA()
      .post('/api/uploads')
      .send({ filename: 'scan.png', content_type: 'image/png', size: 1234 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      expires_in: 900,
      upload_headers: { 'Content-Type': 'image/png', 'x-amz-meta-declared-size': '1234' },
    });
    expect(res.body.key).toMatch(/^uploads\/[0-9a-f]{32}\/[0-9a-f-]{36}$/);
    const url = new URL(res.body.upload_url);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toContain('content-length');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toContain('content-type');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toContain('x-amz-meta-declared-size');
    expect(url.searchParams.has('x-amz-checksum-crc32')).toBe(false);
    expect(Date.parse(res.body.expires_at) - Date.now()).toBeGreaterThan(890_000);
  });

  it.each([
    [{ filename: 'a.png', content_type: 'text/html', size: 10 }, 400, 'VALIDATION_FAILED'],
    [{ filename: '', content_type: 'image/png', size: 10 }, 400, 'VALIDATION_FAILED'],
    [{ filename: 'a.png', content_type: 'image/png', size: 0 }, 400, 'VALIDATION_FAILED'],
    [{ filename: 'a.png', content_type: 'image/png', size: 5 * MiB }, 413, 'FILE_TOO_LARGE'],
  ])('refuses the ticket %j with %i %s', async (body, status, code) => {
    const res = await asA().post('/api/uploads').send(body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it('creates a job from uploaded objects: verified, moved to item keys, queued', async () => {
    const first = await upload(png(100, 100, 2000), 'page 1.png');
    const second = await upload(tiff(300, 200, 300 * 1024), 'page 2.tif', 'image/tiff');
    const res = await asA()
      .post('/api/jobs')
      .send({ name: 'from uploads', uploads: [first, second] });
    expect(res.status).toBe(201);
    expect(res.body.items.map((i: { filename: string }) => i.filename)).toEqual(['page 1.png', 'page 2.tif']);
    expect(res.body.items.map((i: { s3_key: string }) => i.s3_key)).toEqual([
      `jobs/${res.body.id}/${res.body.items[0].id}.png`,
      `jobs/${res.body.id}/${res.body.items[1].id}.tiff`,
    ]);
    expect(await keysUnder(`jobs/${res.body.id}/`)).toHaveLength(2);
    expect(await keysUnder(first)).toEqual([]);
    const messages = await collectMessages(h.stack, h.stack.resources.queueUrls.ocr, 2);
    expect(messages.map((m) => JSON.parse(m.Body as string).job_id)).toEqual([res.body.id, res.body.id]);

    // The uploads became items: they cannot be used a second time.
    const again = await asA()
      .post('/api/jobs')
      .send({ name: 'again', uploads: [first] });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('UPLOAD_NOT_FOUND');
  });

  it("refuses another tenant's upload, an upload never PUT and a foreign key with 404", async () => {
    const theirs = await upload(png(10, 10), 'b.png', 'image/png', asB());
    const ticket = await asA()
      .post('/api/uploads')
      .send({ filename: 'x.png', content_type: 'image/png', size: 10 });
    for (const key of [theirs, ticket.body.key, 'jobs/some/other.png']) {
      const res = await asA()
        .post('/api/jobs')
        .send({ name: 'x', uploads: [key] });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('UPLOAD_NOT_FOUND');
    }
    expect(await keysUnder(theirs)).toEqual([theirs]);
  });

  it('checks the content, not the declared type, and leaves no job or copy behind', async () => {
    const jobsBefore = await Job.count();
    const good = await upload(png(10, 10), 'good.png');
    const text = await upload(Buffer.from('just some text, not an image'), 'fake.png');
    const huge = await upload(png(5000, 5000), 'huge.png');
    const jpegInBmp = await upload(jpegBmp(10, 10), 'jpeg.bmp', 'image/bmp');
    const bmp = imageMagick(testPng(40, 20), 'bmp', '-type', 'TrueColor');
    const cutBmp = await upload(bmp.subarray(0, bmp.length - 100), 'cut.bmp', 'image/bmp');
    for (const [uploads, status, code] of [
      [[good, text], 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [[good, huge], 422, 'IMAGE_TOO_LARGE'],
      [[good, jpegInBmp], 415, 'UNSUPPORTED_BMP'],
      [[good, cutBmp], 422, 'CORRUPT_BMP'],
    ] as const) {
      const res = await asA().post('/api/jobs').send({ name: 'bad', uploads });
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
    expect(await Job.count()).toBe(jobsBefore);
    const copies = (await keysUnder('jobs/')).length;
    const goodBmp = await upload(bmp, 'scan.bmp', 'image/bmp');
    const res = await asA()
      .post('/api/jobs')
      .send({ name: 'good', uploads: [good, goodBmp] });
    expect(res.status).toBe(201);
    expect((await keysUnder('jobs/')).length).toBe(copies + 2);
  });

  it('takes pages in the JSON form: normalised on the items, checked against each file', async () => {
    const doc = await upload(pdfPages(4), 'doc.pdf', 'application/pdf');
    const scan = await upload(
      imageMagick(testPng(40, 20), 'TIFF', '-duplicate', '3'),
      'scan.tif',
      'image/tiff',
    );
    const jobsBefore = await Job.count();
    for (const [pages, status, code] of [
      ['2-', 400, 'INVALID_PAGE_RANGE'],
      ['7', 422, 'PAGES_OUT_OF_RANGE'],
    ] as const) {
      const res = await asA()
        .post('/api/jobs')
        .send({ name: 'bad', pages, uploads: [doc, scan] });
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
    expect(await Job.count()).toBe(jobsBefore);

    const res = await asA()
      .post('/api/jobs')
      .send({ name: 'good', pages: '3,2', uploads: [doc, scan] });
    expect(res.status).toBe(201);
    expect(res.body.items.map((i: { pages: string }) => i.pages)).toEqual(['2-3', '2-3']);
  });

  it('refuses an upload whose size differs from its ticket, or that dropped the declared size, with 422', async () => {
    const jobsBefore = await Job.count();
    const file = png(20, 20, 3000);
    const bigger = await upload(file, 'bigger.png', 'image/png', asA(), { declared: file.length - 100 });
    const smaller = await upload(file, 'smaller.png', 'image/png', asA(), { declared: file.length + 1 });
    const unsigned = await upload(file, 'unsigned.png', 'image/png', asA(), {
      headers: (h) => ({ 'Content-Type': h['Content-Type'] as string }),
    });
    const good = await upload(file, 'good.png');
    for (const [key, message] of [
      [bigger, `has ${file.length} bytes but its ticket declared ${file.length - 100}`],
      [smaller, `has ${file.length} bytes but its ticket declared ${file.length + 1}`],
      [unsigned, 'no declared size'],
    ]) {
      const res = await asA()
        .post('/api/jobs')
        .send({ name: 'mismatch', uploads: [good, key] });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('UPLOAD_SIZE_MISMATCH');
      expect(res.body.error.message).toContain(message);
    }
    expect(await Job.count()).toBe(jobsBefore);
    const res = await asA()
      .post('/api/jobs')
      .send({ name: 'exact size', uploads: [good] });
    expect(res.status).toBe(201);
    expect(res.body.items[0].bytes).toBe(file.length);
  });

  it('applies Idempotency-Key to the JSON form too', async () => {
    const key = await upload(png(10, 10), 'i.png');
    const first = await asA()
      .post('/api/jobs')
      .set('Idempotency-Key', 'json-1')
      .send({ name: 'i', uploads: [key] });
    const again = await asA()
      .post('/api/jobs')
      .set('Idempotency-Key', 'json-1')
      .send({ name: 'i', uploads: [key] });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    const other = await asA()
      .post('/api/jobs')
      .set('Idempotency-Key', 'json-1')
      .send({ name: 'j', uploads: [key] });
    expect(other.status).toBe(422);
  });

  it.each([
    [{ name: 'x' }, 400, 'VALIDATION_FAILED'],
    [{ name: 'x', uploads: [] }, 400, 'VALIDATION_FAILED'],
    [{ name: 'x', uploads: 'k' }, 400, 'VALIDATION_FAILED'],
    [{ name: 'x', uploads: ['a', 'a'] }, 400, 'DUPLICATE_UPLOAD'],
    [{ name: 'x', uploads: ['1', '2', '3', '4', '5', '6'] }, 413, 'TOO_MANY_FILES'],
  ])('refuses the JSON body %j with %i %s', async (body, status, code) => {
    const res = await asA().post('/api/jobs').send(body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });
});
