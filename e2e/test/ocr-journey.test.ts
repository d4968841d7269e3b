import sharp from 'sharp';
import { imageMagick, renderText } from '@ocr-jobs/testing';
import { startLocalStack, type RunningStack } from '@ocr-jobs/local-stack';
import { eventually } from './local-stack-process';

const SENTENCE = 'Invoice 4711 paid in full';
/** A PNG whose signature and header are right but whose image data is cut off: accepted, then fails OCR. */
async function truncatedPng(): Promise<Buffer> {
  const whole = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
  return whole.subarray(0, 80);
}

describe('a client’s whole journey through npm start (real processes, real tesseract.js)', () => {
  let stack: RunningStack;
  beforeAll(async () => {
    stack = await startLocalStack();
  });
  afterAll(async () => {
    expect(await stack.stop()).toBe(0);
  });

  const api = (route: string, init: RequestInit = {}) =>
    fetch(`${stack.apiUrl}${route}`, {
      ...init,
      headers: { 'x-api-key': stack.apiKey, ...(init.headers ?? {}) },
    });

  it('uploads a batch, gets the text of the good scan, an error for the broken one, and the audit trail', async () => {
    // Prepare
    const form = new FormData();
    form.append('name', 'e2e batch');
    form.append('images', new Blob([await renderText(SENTENCE)], { type: 'image/png' }), 'invoice.png');
    form.append('images', new Blob([await truncatedPng()], { type: 'image/png' }), 'broken.png');

    // Act
    const created = await api('/api/jobs', { method: 'POST', body: form });

    // Assess: accepted with one item per file.
    expect(created.status).toBe(201);
    const job = (await created.json()) as {
      id: string;
      total_items: number;
      items: Array<{ id: string; filename: string }>;
    };
    expect(job.total_items).toBe(2);

    // The worker reads both: one DONE, one ERROR, so the job ends DONE, its error_items saying one failed.
    const finished = await eventually(
      async () => {
        const detail = (await (await api(`/api/jobs/${job.id}`)).json()) as {
          status: string;
          done_items: number;
          error_items: number;
          progress_percent: number;
          items: Array<{
            id: string;
            filename: string;
            status: string;
            ocr_text: string | null;
            confidence: number | null;
            error_msg: string | null;
          }>;
        };
        return detail.status === 'ERROR' || detail.status === 'DONE' ? detail : undefined;
      },
      120_000,
      500,
    );
    expect(finished).toMatchObject({ status: 'DONE', done_items: 1, error_items: 1, progress_percent: 100 });
    const good = finished.items.find((i) => i.filename === 'invoice.png')!;
    const bad = finished.items.find((i) => i.filename === 'broken.png')!;
    expect(good.status).toBe('DONE');
    expect(good.ocr_text?.replace(/\s+/g, ' ').trim()).toContain(SENTENCE);
    expect(good.confidence).toBeGreaterThan(50);
    expect(bad.status).toBe('ERROR');
    expect(bad.error_msg).toBeTruthy();

    // The structured result and the plain text are served from S3.
    const result = await api(`/api/jobs/${job.id}/items/${good.id}?format=json`);
    expect(result.status).toBe(200);
    const document = (await result.json()) as { pages: Array<{ lines: Array<{ words: unknown[] }> }> };
    expect(document.pages[0]?.lines[0]?.words.length).toBeGreaterThanOrEqual(5);
    expect((await (await api(`/api/jobs/${job.id}/items/${good.id}?format=txt`)).text()).trim()).toContain(
      SENTENCE,
    );

    // The audit-logger wrote every step to DynamoDB, once each.
    const trail = await eventually(async () => {
      const page = (await (await api(`/api/jobs/${job.id}/events?limit=100`)).json()) as {
        data: Array<{ action: string }>;
      };
      return page.data.some((e) => e.action === 'job.finished') ? page.data : undefined;
    }, 60_000);
    const count = (action: string) => trail.filter((e) => e.action === action).length;
    expect(count('job.created')).toBe(1);
    expect(count('item.started')).toBe(2);
    expect(count('item.done')).toBe(1);
    expect(count('item.failed')).toBe(1);
    expect(count('job.finished')).toBe(1);

    // Act: delete the job.
    expect((await api(`/api/jobs/${job.id}`, { method: 'DELETE' })).status).toBe(204);

    // Assess: gone for the client; the deletion itself is in the tenant's audit log.
    expect((await api(`/api/jobs/${job.id}`)).status).toBe(404);
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const until = new Date(Date.now() + 60_000).toISOString();
    await eventually(async () => {
      const page = (await (await api(`/api/events?since=${since}&until=${until}&limit=100`)).json()) as {
        data: Array<{ action: string; job_id?: string }>;
      };
      return page.data.some((e) => e.action === 'job.deleted' && e.job_id === job.id);
    }, 60_000);
  });

  it("reads ImageMagick's default BMP, and only pages 2-3 of a 4-page TIFF with their page numbers", async () => {
    // Prepare: a V5-header BMP (convert's default) and a TIFF of four pages, one sentence each.
    const bmp = imageMagick(await renderText(SENTENCE), 'bmp');
    const words = ['First', 'Second', 'Third', 'Fourth'];
    const sheets = await Promise.all(
      words.map(async (w) =>
        sharp(await renderText(`${w} page of the scan`))
          .resize(900, 200, { fit: 'contain', background: '#ffffff' })
          .png()
          .toBuffer(),
      ),
    );
    const tiff = await sharp(sheets, { join: { animated: true } })
      .tiff()
      .toBuffer();
    const create = async (name: string, file: Buffer, filename: string, pages?: string) => {
      const form = new FormData();
      form.append('name', name);
      if (pages) form.append('pages', pages);
      form.append('images', new Blob([file]), filename);
      const res = await api('/api/jobs', { method: 'POST', body: form });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };

    // Act
    const bmpJob = await create('bmp', bmp, 'scan.bmp');
    const rangeJob = await create('range', tiff, 'scan.tif', '2-3');

    // Assess: both DONE; the BMP's text read; the TIFF's result has exactly pages 2 and 3.
    type Detail = {
      status: string;
      items: Array<{ id: string; status: string; ocr_text: string | null; pages: string | null }>;
    };
    const done = (id: string) =>
      eventually(
        async () => {
          const detail = (await (await api(`/api/jobs/${id}`)).json()) as Detail;
          return detail.status === 'DONE' || detail.status === 'ERROR' ? detail : undefined;
        },
        120_000,
        500,
      );
    const fromBmp = await done(bmpJob);
    expect(fromBmp.status).toBe('DONE');
    expect(fromBmp.items[0]!.ocr_text?.replace(/\s+/g, ' ').trim()).toContain(SENTENCE);
    const fromTiff = await done(rangeJob);
    expect(fromTiff.status).toBe('DONE');
    expect(fromTiff.items[0]!.pages).toBe('2-3');
    const result = (await (
      await api(`/api/jobs/${rangeJob}/items/${fromTiff.items[0]!.id}?format=json`)
    ).json()) as {
      pages: Array<{ page: number }>;
    };
    expect(result.pages.map((p) => p.page)).toEqual([2, 3]);
    const text = fromTiff.items[0]!.ocr_text ?? '';
    expect(text).toContain('Second page');
    expect(text).toContain('Third page');
    expect(text).not.toContain('First');
    expect(text).not.toContain('Fourth');
  });

  it('reads a Portuguese page with its accents when the job says languages=por', async () => {
    // Prepare: the page of issue 14 (English-only OCR read "Acao de manutengao: Sao Paulo").
    const portuguese = 'Ação de manutenção: São Paulo, informações';
    const languages = (await (await api('/api/languages')).json()) as { data: Array<{ code: string }> };
    const form = new FormData();
    form.append('name', 'português');
    form.append('languages', 'por');
    form.append('images', new Blob([await renderText(portuguese)], { type: 'image/png' }), 'pagina.png');

    // Act
    const created = await api('/api/jobs', { method: 'POST', body: form });
    const job = (await created.json()) as { id: string; languages: string; items: Array<{ id: string }> };
    const finished = await eventually(
      async () => {
        const detail = (await (await api(`/api/jobs/${job.id}`)).json()) as {
          status: string;
          languages: string;
          items: Array<{ ocr_text: string | null; languages: string }>;
        };
        return detail.status === 'DONE' || detail.status === 'ERROR' ? detail : undefined;
      },
      120_000,
      500,
    );
    const result = (await (
      await api(`/api/jobs/${job.id}/items/${job.items[0]!.id}?format=json`)
    ).json()) as {
      languages?: string;
    };

    // Assess
    expect(languages.data.map((l) => l.code)).toEqual(expect.arrayContaining(['eng', 'por']));
    expect(created.status).toBe(201);
    expect(finished.status).toBe('DONE');
    expect(finished.languages).toBe('por');
    expect(finished.items[0]!.languages).toBe('por');
    expect(finished.items[0]!.ocr_text?.trim()).toBe(portuguese);
    expect(result.languages).toBe('por');
  });

  it('refuses a language the workers cannot read, naming the ones they can', async () => {
    const form = new FormData();
    form.append('name', 'klingon');
    form.append('languages', 'tlh');
    form.append('images', new Blob([await renderText(SENTENCE)], { type: 'image/png' }), 'x.png');

    const res = await api('/api/jobs', { method: 'POST', body: form });

    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('UNSUPPORTED_LANGUAGE');
    expect(body.error.message).toMatch(/no OCR model for tlh; available: .*eng.*por/);
  });

  it('refuses a request without a valid key, with a JSON 401', async () => {
    const res = await fetch(`${stack.apiUrl}/api/jobs`, { headers: { 'x-api-key': 'ocrj_wrong' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'INVALID_API_KEY' } });
  });
});
