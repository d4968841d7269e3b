import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { resultKey, type OcrResult, type OcrResultPage } from '@ocr-jobs/contracts';
import { Job, JobItem } from '@ocr-jobs/db';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import type supertest from 'supertest';
import { startHarness, type Harness } from './support/harness';
import { collapseWhitespace, pdfText, pdfWords, testDialects, unzipFiles } from '@ocr-jobs/testing';

/** supertest keeps a binary body as a Buffer. */
const binary = (req: supertest.Test) =>
  req.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });

/** One page whose words sit in a row, each 120 px wide. */
function page(number: number, size: { width: number; height: number }, text: string): OcrResultPage {
  const boxes = text.split(' ').map((word, i) => ({
    text: word,
    confidence: 90,
    bbox: { x0: 20 + i * 140, y0: 40, x1: 140 + i * 140, y1: 90 },
  }));
  return {
    page: number,
    ...size,
    dpi: 150,
    rotation: 0,
    text,
    confidence: 90,
    hocr: null,
    lines: [{ text, confidence: 90, bbox: { x0: 20, y0: 40, x1: 140 * boxes.length, y1: 90 }, words: boxes }],
  };
}

describe.each(testDialects())('searchable PDF and whole-job downloads on %s', (dialect) => {
  let h: Harness;
  let job: { id: string; items: Array<{ id: string; filename: string }> };
  let running: { id: string; items: Array<{ id: string }> };
  const texts = {
    image: 'Ação de manutenção São Paulo',
    scan: ['Informações úteis', 'Segunda página'],
    copy: 'Outra cópia',
  };

  const asA = () => h.api().set('x-api-key', h.keys.a);
  const asB = () => h.api().set('x-api-key', h.keys.b);

  async function finish(itemId: string, pages: OcrResultPage[]) {
    const result: OcrResult = {
      job_id: job.id,
      item_id: itemId,
      engine: 'tesseract',
      text: pages.map((p) => p.text).join('\f'),
      confidence: 90,
      pages,
      created_at: new Date().toISOString(),
    };
    await h.stack.clients.s3.send(
      new PutObjectCommand({
        Bucket: h.stack.names.bucket,
        Key: resultKey(job.id, itemId),
        Body: JSON.stringify(result),
      }),
    );
    await JobItem.update(
      { status: 'DONE', ocr_text: result.text, pages: pages.length, finished_at: new Date() },
      { where: { id: itemId } },
    );
  }

  beforeAll(async () => {
    h = await startHarness(dialect);
    const png = await sharp({ create: { width: 900, height: 200, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const source = await PDFDocument.create();
    for (let i = 0; i < 2; i++) source.addPage([420, 200]);
    const scanPdf = Buffer.from(await source.save());
    const created = await h
      .api()
      .post('/api/jobs')
      .set('x-api-key', h.keys.a)
      .field('name', 'Relatório: março/2026')
      .attach('images', png, { filename: 'a.png' })
      .attach('images', scanPdf, { filename: 'scan.pdf' })
      .attach('images', png, { filename: 'broken.png' })
      .attach('images', png, { filename: 'b.png' });
    expect(created.status).toBe(201);
    job = created.body;
    const [image, scan, broken, copy] = job.items.map((i) => i.id) as [string, string, string, string];
    // Names as a client may send them (set here: the multipart parser already strips directories):
    // accents, a path, the same name twice.
    await JobItem.update({ filename: 'página.png' }, { where: { id: image } });
    await JobItem.update({ filename: '../../página.png' }, { where: { id: copy } });
    await finish(image, [page(1, { width: 900, height: 200 }, texts.image)]);
    // The worker renders PDF pages at 150 dpi: 420 × 200 pt is 875 × 417 pixels.
    await finish(scan, [
      page(1, { width: 875, height: 417 }, texts.scan[0]!),
      page(2, { width: 875, height: 417 }, texts.scan[1]!),
    ]);
    await finish(copy, [page(1, { width: 900, height: 200 }, texts.copy)]);
    await JobItem.update({ status: 'ERROR', error_msg: 'corrupt image: page 1' }, { where: { id: broken } });
    await Job.update({ status: 'DONE', done_items: 3, error_items: 1 }, { where: { id: job.id } });

    running = (
      await h
        .api()
        .post('/api/jobs')
        .set('x-api-key', h.keys.a)
        .field('name', 'still running')
        .attach('images', png, { filename: 'a.png' })
    ).body;
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  describe('GET /api/jobs/{id}/items/{item_id}?format=pdf', () => {
    it("serves an image item as a searchable PDF whose text is the item's text, accents included", async () => {
      const res = await binary(asA().get(`/api/jobs/${job.id}/items/${job.items[0]!.id}?format=pdf`));

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="pagina.pdf"; filename*=UTF-8''p%C3%A1gina.pdf`,
      );
      const pdf = res.body as Buffer;
      expect(collapseWhitespace(await pdfText(pdf))).toBe(texts.image);
      const pages = await pdfWords(pdf);
      expect(pages).toHaveLength(1);
      // 900 × 200 pixels at 150 dpi.
      expect(pages[0]!.width).toBeCloseTo(432, 1);
      expect(pages[0]!.height).toBeCloseTo(96, 1);
    });

    it("keeps a PDF item's pages and sizes, with each page's text on it", async () => {
      const res = await binary(asA().get(`/api/jobs/${job.id}/items/${job.items[1]!.id}?format=pdf`));

      expect(res.status).toBe(200);
      const pages = await pdfWords(res.body as Buffer);
      expect(pages.map((p) => [p.width, p.height])).toEqual([
        [420, 200],
        [420, 200],
      ]);
      expect(pages.map((p) => p.words.map((w) => w.text).join(' '))).toEqual(texts.scan);
    });

    it('answers 409 for a failed item, 404 for another tenant', async () => {
      const failed = await asA().get(`/api/jobs/${job.id}/items/${job.items[2]!.id}?format=pdf`);
      expect(failed.status).toBe(409);
      expect(failed.body.error.code).toBe('ITEM_FAILED');
      const foreign = await asB().get(`/api/jobs/${job.id}/items/${job.items[0]!.id}?format=pdf`);
      expect(foreign.status).toBe(404);
    });
  });

  describe('GET /api/jobs/{id}/result', () => {
    it('format=txt: every item with a header, failed ones with their error', async () => {
      const res = await asA().get(`/api/jobs/${job.id}/result?format=txt`);

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="Relatorio_marco_2026.txt"; filename*=UTF-8''Relat%C3%B3rio_mar%C3%A7o_2026.txt`,
      );
      expect(res.text).toBe(
        [
          '# Relatório: março/2026 (DONE, 4 items)',
          '',
          '==> 1/4 página.png [DONE] <==',
          texts.image,
          '',
          '==> 2/4 scan.pdf [DONE] <==',
          texts.scan.join('\f'),
          '',
          '==> 3/4 broken.png [ERROR] <==',
          'error: corrupt image: page 1',
          '',
          '==> 4/4 ../../página.png [DONE] <==',
          texts.copy,
          '',
        ].join('\n'),
      );
    });

    it('format=pdf: one searchable PDF of the DONE items in order', async () => {
      const res = await binary(asA().get(`/api/jobs/${job.id}/result?format=pdf`));

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['omitted-items']).toBeUndefined();
      const pages = await pdfWords(res.body as Buffer);
      expect(pages.map((p) => p.words.map((w) => w.text).join(' '))).toEqual([
        texts.image,
        ...texts.scan,
        texts.copy,
      ]);
    });

    it('format=pdf: answers 413 JOB_TOO_LARGE_FOR_PDF over JOB_PDF_MAX_BYTES', async () => {
      // The app reads its settings object on each request: lowered here for this one request.
      const limit = h.settings.JOB_PDF_MAX_BYTES;
      h.settings.JOB_PDF_MAX_BYTES = 100;
      try {
        const res = await asA().get(`/api/jobs/${job.id}/result?format=pdf`);
        expect(res.status).toBe(413);
        expect(res.body.error.code).toBe('JOB_TOO_LARGE_FOR_PDF');
        expect(res.body.error.message).toMatch(/format=zip/);
      } finally {
        h.settings.JOB_PDF_MAX_BYTES = limit;
      }
    });

    it("format=zip: every item's files under safe, unique names", async () => {
      const res = await binary(asA().get(`/api/jobs/${job.id}/result?format=zip`));

      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/zip');
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="Relatorio_marco_2026\.zip"/);
      const files = await unzipFiles(res.body as Buffer);
      expect([...files.keys()]).toEqual([
        '001-página.png/original.png',
        '001-página.png/result.hocr',
        '001-página.png/result.json',
        '001-página.png/searchable.pdf',
        '001-página.png/text.txt',
        '002-scan.pdf/original.pdf',
        '002-scan.pdf/result.hocr',
        '002-scan.pdf/result.json',
        '002-scan.pdf/searchable.pdf',
        '002-scan.pdf/text.txt',
        '003-broken.png/error.txt',
        '003-broken.png/original.png',
        '004-página.png/original.png',
        '004-página.png/result.hocr',
        '004-página.png/result.json',
        '004-página.png/searchable.pdf',
        '004-página.png/text.txt',
      ]);
      expect(files.get('001-página.png/text.txt')!.toString()).toBe(texts.image);
      expect(files.get('003-broken.png/error.txt')!.toString()).toBe('corrupt image: page 1\n');
      expect(JSON.parse(files.get('002-scan.pdf/result.json')!.toString()).pages).toHaveLength(2);
      expect(files.get('001-página.png/result.hocr')!.toString()).toContain('>manutenção</span>');
      expect(collapseWhitespace(await pdfText(files.get('002-scan.pdf/searchable.pdf')!))).toBe(
        collapseWhitespace(texts.scan.join(' ')),
      );
      expect(files.get('002-scan.pdf/original.pdf')!.subarray(0, 5).toString()).toBe('%PDF-');
    });

    it('answers 409 JOB_NOT_FINISHED while items are being read', async () => {
      for (const format of ['txt', 'pdf', 'zip']) {
        const res = await asA().get(`/api/jobs/${running.id}/result?format=${format}`);
        expect(res.status).toBe(409);
        expect(res.body.error.code).toBe('JOB_NOT_FINISHED');
      }
    });

    it('answers 409 NO_RESULTS for the PDF of a job whose items all failed; its txt still lists them', async () => {
      await JobItem.update(
        { status: 'ERROR', error_msg: 'unreadable' },
        { where: { id: running.items[0]!.id } },
      );
      await Job.update({ status: 'ERROR', error_items: 1 }, { where: { id: running.id } });

      const pdf = await asA().get(`/api/jobs/${running.id}/result?format=pdf`);
      const txt = await asA().get(`/api/jobs/${running.id}/result?format=txt`);

      expect(pdf.status).toBe(409);
      expect(pdf.body.error.code).toBe('NO_RESULTS');
      expect(pdf.headers['content-disposition']).toBeUndefined();
      expect(txt.text).toContain('==> 1/1 a.png [ERROR] <==\nerror: unreadable\n');
    });

    it('answers 404 for another tenant or an unknown job, 400 for a bad format or id', async () => {
      expect((await asB().get(`/api/jobs/${job.id}/result?format=txt`)).status).toBe(404);
      const unknown = await asA().get('/api/jobs/00000000-0000-4000-8000-000000000000/result');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('JOB_NOT_FOUND');
      const format = await asA().get(`/api/jobs/${job.id}/result?format=docx`);
      expect(format.status).toBe(400);
      expect(format.body.error.code).toBe('INVALID_FORMAT');
      expect((await asA().get('/api/jobs/nope/result')).status).toBe(400);
    });
  });
});
