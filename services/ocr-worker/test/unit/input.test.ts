import sharp from 'sharp';
import { parsePageRange } from '@ocr-jobs/contracts';
import {
  CorruptFileError,
  NoSelectedPagesError,
  TooManyPagesError,
  TooManyPixelsError,
  UnsupportedFileError,
} from '../../src/errors';
import type { InputLimits, InputPage, RasterPage } from '../../src/input/page';
import { rasterise } from '../../src/input/rasterise';
import { imageMagick, pngBomb, renderText } from '@ocr-jobs/testing';
import { bmp, imagePdf, multiPageTiff, pdf, truncatedPng } from '../support/images';

const limits: InputLimits = { maxPixels: 10_000_000, maxPages: 5, pdfDpi: 100 };

async function inputsOf(file: Buffer, l: InputLimits = limits, range?: string): Promise<InputPage[]> {
  const pages: InputPage[] = [];
  const selection = range === undefined ? null : parsePageRange(range);
  for await (const page of rasterise(file, l, new AbortController().signal, selection)) pages.push(page);
  return pages;
}

async function pagesOf(file: Buffer, l: InputLimits = limits, range?: string): Promise<RasterPage[]> {
  const pages = await inputsOf(file, l, range);
  return pages.map((p) => {
    if (p.kind !== 'image') throw new Error(`page ${p.page} was read from a text layer, not rasterised`);
    return p;
  });
}

describe('rasterise', () => {
  it.each(['webp', 'gif', 'png', 'jpeg'] as const)(
    'reads a %s as one page of grey pixels, one byte each',
    async (format) => {
      const png = await renderText('hello');
      const file = await sharp(png)[format]().toBuffer();
      const source = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });

      const pages = await pagesOf(file);

      expect(pages).toHaveLength(1);
      const { page, width, height, pixels } = pages[0]!;
      expect([page, width, height, pixels.length]).toEqual([
        1,
        source.info.width,
        source.info.height,
        source.info.width * source.info.height,
      ]);
      // The same picture (JPEG and WebP are lossy): mean absolute difference per pixel.
      const diff = pixels.reduce((sum, v, i) => sum + Math.abs(v - source.data[i]!), 0) / pixels.length;
      expect(diff).toBeLessThan(3);
    },
  );

  it('flattens transparency on white', async () => {
    const clear = await sharp({ create: { width: 4, height: 4, channels: 4, background: '#00000000' } })
      .png()
      .toBuffer();

    const [page] = await pagesOf(clear);

    expect([...page!.pixels]).toEqual(new Array(16).fill(255));
  });

  it('gives each page its resolution: the declared density, 300 dpi when none, the raster dpi for PDFs', async () => {
    const scan = await sharp({ create: { width: 300, height: 100, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const declared = await sharp(scan).withMetadata({ density: 200 }).png().toBuffer();
    const jpeg = await sharp(scan).withMetadata({ density: 96 }).jpeg().toBuffer();

    const dpis = await Promise.all(
      [declared, scan, jpeg, await multiPageTiff([scan, scan], 400), await pdf(['one', 'two'])].map(
        async (file) => (await inputsOf(file)).map((p) => p.dpi),
      ),
    );

    expect(dpis).toEqual([[200], [300], [96], [400, 400], [100, 100]]);
  });

  it('turns a JPEG with an EXIF orientation upright before OCR', async () => {
    const file = await sharp(await renderText('hello'))
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const { width, height } = await sharp(file).metadata();

    const pages = await pagesOf(file);

    expect([pages[0]!.width, pages[0]!.height]).toEqual([height, width]);
    expect(pages[0]!.pixels).toHaveLength(width! * height!);
  });

  it('reads every page of a multi-page TIFF', async () => {
    const file = await multiPageTiff([
      await renderText('one'),
      await renderText('two'),
      await renderText('three'),
    ]);

    const pages = await pagesOf(file);

    expect(pages.map((p) => [p.page, p.width, p.height])).toEqual([
      [1, 900, 200],
      [2, 900, 200],
      [3, 900, 200],
    ]);
  });

  it('rasterises every image-only page of a PDF at the configured resolution', async () => {
    const scan = await renderText('first page');
    const pages = await pagesOf(await imagePdf([scan, scan]));

    expect(pages.map((p) => [p.page, p.width, p.height])).toEqual([
      [1, 584, 278],
      [2, 584, 278],
    ]);
    expect(pages[1]!.pixels.reduce((a, b) => Math.min(a, b), 255)).toBeLessThan(100); // ink on the page
    expect(pages[1]!.pixels).toHaveLength(584 * 278);
  });

  it('reads a born-digital PDF page from its text layer, with word boxes in page pixels', async () => {
    const pages = await inputsOf(await pdf(['Invoice number 4711']));

    expect(pages).toHaveLength(1);
    const page = pages[0]!;
    if (page.kind !== 'text') throw new Error('expected a text-layer page');
    expect([page.text, page.width, page.height]).toEqual(['Invoice number 4711', 584, 278]);
    const words = page.lines[0]!.words;
    expect(words.map((w) => w.text)).toEqual(['Invoice', 'number', '4711']);
    // pdfkit drew the text at x = 30 pt, y = 40 pt from the top: 42 and 56 px at 100 dpi.
    expect(words[0]!.bbox.x0).toBeGreaterThanOrEqual(40);
    expect(words[0]!.bbox.x0).toBeLessThanOrEqual(44);
    expect(words[0]!.bbox.y0).toBeGreaterThanOrEqual(45);
    expect(words[0]!.bbox.y1).toBeLessThanOrEqual(90);
    expect(words[1]!.bbox.x0).toBeGreaterThan(words[0]!.bbox.x1);
  });

  it('reads a mixed PDF both ways: the text page from its layer, the scanned page as an image', async () => {
    const pages = await inputsOf(await imagePdf([await renderText('scanned')], ['Typed page']));

    expect(pages.map((p) => [p.page, p.kind])).toEqual([
      [1, 'text'],
      [2, 'image'],
    ]);
  });

  it('decodes an uncompressed BMP with its colours', async () => {
    const pages = await pagesOf(bmp(7, 5, [200, 200, 200]));

    expect([pages[0]!.width, pages[0]!.height]).toEqual([7, 5]);
    expect([...pages[0]!.pixels]).toEqual(new Array(35).fill(200));
  });

  it('decodes an RLE8 BMP to the same grey page as its source PNG', async () => {
    // Already 256 colours at most, so the BMP's palette holds every colour exactly.
    const png = imageMagick(await renderText('hello'), 'PNG8');
    const rle = imageMagick(png, 'BMP3', '-type', 'Palette', '-compress', 'RLE');
    expect(rle.readUInt32LE(30)).toBe(1); // BI_RLE8

    const [fromBmp] = await pagesOf(rle);
    const [fromPng] = await pagesOf(png);

    expect(fromBmp!.pixels).toEqual(fromPng!.pixels);
  });

  it('refuses a JPEG-compressed BMP as unsupported, naming the variant', async () => {
    const file = bmp(7, 5, [200, 200, 200]);
    file.writeUInt32LE(4, 30);

    await expect(pagesOf(file)).rejects.toThrow(UnsupportedFileError);
    await expect(pagesOf(file)).rejects.toThrow(/BI_JPEG/);
  });

  it('refuses a decompression bomb from its header, before decoding', async () => {
    const bomb = pngBomb(100_000, 100_000);

    await expect(pagesOf(bomb)).rejects.toThrow(TooManyPixelsError);
    await expect(pagesOf(bomb)).rejects.toThrow(/100000×100000 = 10000000000 pixels; at most 10000000/);
  });

  it('refuses a PDF page that would rasterise to too many pixels', async () => {
    await expect(pagesOf(await pdf(['big']), { ...limits, maxPixels: 10_000 })).rejects.toThrow(
      TooManyPixelsError,
    );
  });

  it('refuses more pages than allowed, in TIFF and PDF', async () => {
    const page = await renderText('x');
    const tight = { ...limits, maxPages: 2 };

    await expect(pagesOf(await multiPageTiff([page, page, page]), tight)).rejects.toThrow(TooManyPagesError);
    await expect(pagesOf(await pdf(['a', 'b', 'c']), tight)).rejects.toThrow(/3 pages; at most 2/);
  });

  describe('with a page range', () => {
    let tiff: Buffer;
    let scannedPdf: Buffer;
    beforeAll(async () => {
      const scans = await Promise.all(['one', 'two', 'three', 'four'].map((word) => renderText(word)));
      tiff = await multiPageTiff(scans);
      scannedPdf = await imagePdf(scans);
    });

    it('reads only pages 2-3 of a 4-page TIFF and PDF, with their own numbers', async () => {
      const fromTiff = await pagesOf(tiff, limits, '2-3');
      const fromPdf = await pagesOf(scannedPdf, limits, '2-3');

      expect(fromTiff.map((p) => p.page)).toEqual([2, 3]);
      expect(fromPdf.map((p) => p.page)).toEqual([2, 3]);
      // The very pages: the TIFF's page 2 is the second scan, not the first.
      const all = await pagesOf(tiff);
      expect(fromTiff[0]!.pixels).toEqual(all[1]!.pixels);
    });

    it('reads the born-digital PDF pages of a range from their text layer', async () => {
      const pages = await inputsOf(await pdf(['alpha', 'beta', 'gamma', 'delta']), limits, '4,2');

      expect(pages.map((p) => [p.page, p.kind === 'text' && p.text])).toEqual([
        [2, 'beta'],
        [4, 'delta'],
      ]);
    });

    it('reads the pages that exist of a range partly past the end', async () => {
      expect((await pagesOf(tiff, limits, '3-9')).map((p) => p.page)).toEqual([3, 4]);
      expect((await pagesOf(scannedPdf, limits, '4-9')).map((p) => p.page)).toEqual([4]);
    });

    it('fails an item whose range selects no page it has', async () => {
      await expect(pagesOf(tiff, limits, '5-7')).rejects.toThrow(NoSelectedPagesError);
      await expect(pagesOf(scannedPdf, limits, '5-7')).rejects.toThrow(
        /pages "5-7" selects none of the PDF's 4 pages/,
      );
      await expect(pagesOf(await renderText('x'), limits, '2')).rejects.toThrow(
        /pages "2" selects none of the file's 1 page$/,
      );
      expect(await pagesOf(await renderText('x'), limits, '1-3')).toHaveLength(1);
    });

    it('counts the selected pages against the page limit, not the whole file', async () => {
      const tight = { ...limits, maxPages: 2 };

      expect(await pagesOf(tiff, tight, '1,4')).toHaveLength(2);
      await expect(pagesOf(scannedPdf, tight, '1-3')).rejects.toThrow(/selects 3 pages; at most 2/);
    });
  });

  it('reports a truncated image and a broken PDF as corrupt', async () => {
    await expect(pagesOf(await truncatedPng())).rejects.toThrow(CorruptFileError);
    await expect(pagesOf(Buffer.from('%PDF-1.7\nthis is not a pdf'))).rejects.toThrow(CorruptFileError);
  });

  it('refuses what is not an image or PDF', async () => {
    await expect(pagesOf(Buffer.from('just some text'))).rejects.toThrow(UnsupportedFileError);
  });
});
