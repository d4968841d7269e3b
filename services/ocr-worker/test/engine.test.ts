import sharp from 'sharp';
import { TesseractEngine } from '../src/engine/tesseract-engine';
import { TesseractPool } from '../src/engine/tesseract-pool';
import { OcrTimeoutError } from '../src/errors';
import { descendants, imageMagick, parseXml, renderText } from '@ocr-jobs/testing';
import { imagePdf, multiPageTiff, pdf, rotate, SENTENCE, similarity } from './support/images';
import { testLogger } from './support/logger';

/** Real tesseract.js with eng from node_modules: kept to a few small pages (2 shared cores). */
describe('TesseractEngine', () => {
  const pool = new TesseractPool({
    size: 1,
    maxJobsPerWorker: 100,
    maxRssBytes: 8 * 1024 ** 3,
    logger: testLogger(),
  });
  const engine = new TesseractEngine({
    pool,
    limits: { maxPixels: 20_000_000, maxPages: 100, pdfDpi: 150 },
    rotationMinConfidence: 60,
  });
  const never = new AbortController().signal;
  let upright: Buffer;

  beforeAll(async () => {
    upright = await renderText(SENTENCE);
  });
  afterAll(() => engine.close());

  it('starts its workers ahead of the first item, and not once the pool is closed', async () => {
    const warmPool = new TesseractPool({
      size: 1,
      maxJobsPerWorker: 10,
      maxRssBytes: 8 * 1024 ** 3,
      logger: testLogger(),
    });

    await warmPool.warm();
    const closing = new TesseractPool({
      size: 1,
      maxJobsPerWorker: 10,
      maxRssBytes: 8 * 1024 ** 3,
      logger: testLogger(),
    });
    const warming = closing.warm();
    await closing.close();
    await warming;

    expect(warmPool.stats.created).toBe(1);
    const lease = await warmPool.acquire();
    expect(warmPool.stats.created).toBe(1); // the item got the warm worker
    await lease.release();
    await warmPool.close();
    await expect(closing.acquire()).rejects.toThrow(/closed/);
  });

  it('reads a known sentence, with lines, words, boxes and hOCR', async () => {
    const result = await engine.recognize(upright, never);

    expect(similarity(result.text, SENTENCE)).toBeGreaterThan(0.9);
    expect(result.confidence).toBeGreaterThan(70);
    const [page] = result.pages;
    expect(page).toMatchObject({ page: 1, rotation: 0 });
    expect(page!.lines[0]!.words.map((w) => w.text)).toContain('quick');
    expect(page!.lines[0]!.bbox.x1).toBeGreaterThan(page!.lines[0]!.bbox.x0);
    expect(page!.hocr).toContain('ocr_page');
  });

  it('reads a BMP as ImageMagick writes it by default (V5 header)', async () => {
    const bmp = imageMagick(upright, 'bmp');
    expect(bmp.readUInt32LE(14)).toBe(124);

    const result = await engine.recognize(bmp, never);

    expect(similarity(result.text, SENTENCE)).toBeGreaterThan(0.9);
  });

  it.each([90, 180, 270])('reads a scan turned by %i degrees', async (degrees) => {
    const result = await engine.recognize(await rotate(upright, degrees), never);

    expect(similarity(result.text, SENTENCE)).toBeGreaterThan(0.9);
    const page = result.pages[0]!;
    expect(page.rotation).toBe((360 - degrees) % 360);
    // Boxes are in the page as read (turned upright): the hOCR page box is its size, words fall inside.
    // renderText's scans declare 150 dpi.
    expect(page.hocr).toContain(`title="bbox 0 0 ${page.width} ${page.height}; ppageno 0; scan_res 150 150"`);
    for (const word of page.lines.flatMap((l) => l.words)) {
      expect(word.bbox.x1).toBeLessThanOrEqual(page.width);
      expect(word.bbox.y1).toBeLessThanOrEqual(page.height);
    }
  });

  /** The options of every reading tesseract is asked for while `work` runs. */
  async function readingsOf(work: () => Promise<unknown>): Promise<Array<{ rotateAuto?: boolean }>> {
    const readings: Array<{ rotateAuto?: boolean }> = [];
    const acquire = pool.acquire.bind(pool);
    const spy = jest.spyOn(pool, 'acquire').mockImplementation(async (languages) => {
      const lease = await acquire(languages);
      const recognize = lease.worker.recognize.bind(lease.worker);
      const counting: typeof recognize = (image, options, output) => {
        readings.push({ rotateAuto: (options as { rotateAuto?: boolean } | undefined)?.rotateAuto });
        return recognize(image, options, output);
      };
      return { ...lease, worker: { ...lease.worker, recognize: counting } };
    });
    try {
      await work();
    } finally {
      spy.mockRestore();
    }
    return readings;
  }

  it('reads a page that reads well once, and a level page that reads poorly at each turn but never deskews it', async () => {
    const blank = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();

    const good = await readingsOf(() => engine.recognize(upright, never));
    const poor = await readingsOf(() => engine.recognize(blank, never));

    expect(good).toHaveLength(1);
    // Upright, 180, 90, 270; no line slopes, so no fifth (rotateAuto) reading.
    expect(poor.map((r) => r.rotateAuto)).toEqual([false, false, false, false]);
  });

  it('reads a slightly skewed scan', async () => {
    const result = await engine.recognize(await rotate(upright, 3), never);

    expect(similarity(result.text, SENTENCE)).toBeGreaterThan(0.85);
  });

  it('reads every page of a multi-page TIFF and a PDF, pages split by form feeds', async () => {
    const tiff = await multiPageTiff([
      await renderText('First page of the scan'),
      await renderText('Second page here'),
    ]);
    const fromTiff = await engine.recognize(tiff, never);
    const fromPdf = await engine.recognize(await pdf(['Invoice number 4711', 'Payment due in June']), never);

    const tiffPages = fromTiff.text.split('\f');
    expect(similarity(tiffPages[0]!, 'First page of the scan')).toBeGreaterThan(0.85);
    expect(similarity(tiffPages[1]!, 'Second page here')).toBeGreaterThan(0.85);
    // An image declaring no density is taken at 300 dpi; PDF pages are at the raster's resolution.
    expect(fromTiff.pages.map((p) => p.dpi)).toEqual([300, 300]);
    const pdfPages = fromPdf.text.split('\f');
    expect(pdfPages).toHaveLength(2);
    expect(similarity(pdfPages[0]!, 'Invoice number 4711')).toBeGreaterThan(0.85);
    expect(similarity(pdfPages[1]!, 'Payment due in June')).toBeGreaterThan(0.85);
    expect(fromPdf.pages.map((p) => [p.page, p.dpi])).toEqual([
      [1, 150],
      [2, 150],
    ]);
  });

  it("numbers a 3-page item's hOCR and JSON for their pages: unique ids, ppageno, its own dpi", async () => {
    // Prepare: a TIFF declaring 200 dpi, two lines on its first page.
    const tiff = await multiPageTiff(
      [
        await renderText('Quarterly report of the fleet\nSecond line of the cover'),
        await renderText('Engines were serviced in May'),
        await renderText('Signed by the harbour master'),
      ],
      200,
    );

    // Act
    const result = await engine.recognize(tiff, never);

    // Assess: the pages' hOCR, put together as the API does, is well-formed XML with unique ids.
    const body = parseXml(`<body>${result.pages.map((p) => p.hocr).join('\n')}</body>`);
    const withId = descendants(body).filter((e) => e.attributes.id !== undefined);
    const ids = withId.map((e) => e.attributes.id!);
    expect(new Set(ids).size).toBe(ids.length);
    const ocrPages = withId.filter((e) => e.attributes.class === 'ocr_page');
    expect(ocrPages.map((e) => [e.attributes.id, e.attributes.title])).toEqual([
      ['page_1', 'bbox 0 0 900 200; ppageno 0; scan_res 200 200'],
      ['page_2', 'bbox 0 0 900 200; ppageno 1; scan_res 200 200'],
      ['page_3', 'bbox 0 0 900 200; ppageno 2; scan_res 200 200'],
    ]);
    expect(result.pages.map((p) => [p.page, p.dpi])).toEqual([
      [1, 200],
      [2, 200],
      [3, 200],
    ]);
    expect(result.pages[0]!.lines.map((l) => l.id)).toEqual(['line_1_1', 'line_1_2']);
    // Each JSON word has the id of the hOCR word with its text and box.
    const byId = new Map(withId.map((e) => [e.attributes.id, e]));
    const words = result.pages.flatMap((p) => p.lines.flatMap((l) => l.words));
    expect(words.length).toBeGreaterThan(10);
    for (const word of words) {
      const element = byId.get(word.id);
      expect(element?.attributes.class).toBe('ocrx_word');
      expect(element?.text).toBe(word.text);
      const { x0, y0, x1, y1 } = word.bbox;
      expect(element?.attributes.title).toMatch(new RegExp(`^bbox ${x0} ${y0} ${x1} ${y1};`));
    }
  });

  it('reads a 100-page born-digital PDF from its text layer: exact text, no OCR', async () => {
    const texts = Array.from(
      { length: 100 },
      (_, i) => `Page ${i + 1} of the annual report, section ${i % 7}`,
    );
    const createdBefore = pool.stats.created;

    const result = await engine.recognize(await pdf(texts), never);

    expect(result.text).toBe(texts.join('\f'));
    expect(result.pages.every((p) => p.source === 'text-layer' && p.confidence === 100)).toBe(true);
    expect(result.pages[99]!.lines[0]!.words[0]).toMatchObject({ id: 'word_100_1_1', text: 'Page' });
    // Its hOCR is built from the text layer, numbered like an OCRed page.
    expect(result.pages[99]!.hocr).toContain(
      '<div class="ocr_page" id="page_100" title="bbox 0 0 876 417; ppageno 99; scan_res 150 150">',
    );
    expect(result.pages[99]!.hocr).toContain('<span class="ocrx_word" id="word_100_1_1" title="bbox');
    expect(pool.stats.created).toBe(createdBefore); // no tesseract worker was needed
  });

  it('reads a mixed PDF both ways and says which page was read how', async () => {
    const file = await imagePdf([await renderText(SENTENCE)], ['Typed cover letter']);

    const result = await engine.recognize(file, never);

    expect(result.pages.map((p) => [p.page, p.source])).toEqual([
      [1, 'text-layer'],
      [2, 'ocr'],
    ]);
    expect(result.pages[0]!.text).toBe('Typed cover letter');
    expect(similarity(result.pages[1]!.text, SENTENCE)).toBeGreaterThan(0.85);
  });

  it('on timeout terminates the tesseract worker, and the next item gets a fresh one', async () => {
    const timeout = new AbortController();
    const recognising = engine.recognize(await rotate(upright, 180), timeout.signal);
    setTimeout(() => timeout.abort(new OcrTimeoutError(50)), 50);
    const destroyedBefore = pool.stats.destroyed;
    const createdBefore = pool.stats.created;

    await expect(recognising).rejects.toThrow(OcrTimeoutError);
    expect(pool.stats.destroyed).toBe(destroyedBefore + 1);
    const next = await engine.recognize(upright, never);
    expect(similarity(next.text, SENTENCE)).toBeGreaterThan(0.9);
    expect(pool.stats.created).toBe(createdBefore + 1);
  });
});
