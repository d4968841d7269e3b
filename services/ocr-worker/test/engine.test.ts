import { TesseractEngine } from '../src/engine/tesseract-engine';
import { TesseractPool } from '../src/engine/tesseract-pool';
import { OcrTimeoutError } from '../src/errors';
import { imageMagick, renderText } from '@ocr-jobs/testing';
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
    expect(result.pages[0]!.rotation).toBe((360 - degrees) % 360);
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
    const pdfPages = fromPdf.text.split('\f');
    expect(pdfPages).toHaveLength(2);
    expect(similarity(pdfPages[0]!, 'Invoice number 4711')).toBeGreaterThan(0.85);
    expect(similarity(pdfPages[1]!, 'Payment due in June')).toBeGreaterThan(0.85);
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
    expect(result.pages[99]!.lines[0]!.words[0]).toMatchObject({ text: 'Page' });
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
