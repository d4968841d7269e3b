import sharp from 'sharp';
import {
  CorruptFileError,
  TooManyPagesError,
  TooManyPixelsError,
  UnsupportedFileError,
} from '../../src/errors';
import type { InputLimits, RasterPage } from '../../src/input/page';
import { rasterise } from '../../src/input/rasterise';
import { pngBomb, renderText } from '@ocr-jobs/testing';
import { bmp, multiPageTiff, pdf, truncatedPng } from '../support/images';

const limits: InputLimits = { maxPixels: 10_000_000, maxPages: 5, pdfDpi: 100 };

async function pagesOf(file: Buffer, l: InputLimits = limits): Promise<RasterPage[]> {
  const pages: RasterPage[] = [];
  for await (const page of rasterise(file, l, new AbortController().signal)) pages.push(page);
  return pages;
}

describe('rasterise', () => {
  it.each(['jpeg', 'webp', 'gif', 'png'] as const)('reads a %s as one greyscale PNG page', async (format) => {
    const png = await renderText('hello');
    const file = await sharp(png)[format]().toBuffer();

    const pages = await pagesOf(file);

    expect(pages).toHaveLength(1);
    const meta = await sharp(pages[0]!.png).metadata();
    expect([meta.format, meta.width, pages[0]!.page]).toEqual(['png', pages[0]!.width, 1]);
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

  it('rasterises every page of a PDF at the configured resolution', async () => {
    const pages = await pagesOf(await pdf(['first page', 'second page']));

    expect(pages.map((p) => [p.page, p.width, p.height])).toEqual([
      [1, 584, 278],
      [2, 584, 278],
    ]);
    expect((await sharp(pages[1]!.png).stats()).channels[0]!.min).toBeLessThan(100); // ink on the page
  });

  it('decodes an uncompressed BMP with its colours', async () => {
    const pages = await pagesOf(bmp(7, 5, [200, 200, 200]));

    expect([pages[0]!.width, pages[0]!.height]).toEqual([7, 5]);
    expect(Math.round((await sharp(pages[0]!.png).stats()).channels[0]!.mean)).toBe(200);
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

  it('reports a truncated image and a broken PDF as corrupt', async () => {
    await expect(pagesOf(await truncatedPng())).rejects.toThrow(CorruptFileError);
    await expect(pagesOf(Buffer.from('%PDF-1.7\nthis is not a pdf'))).rejects.toThrow(CorruptFileError);
  });

  it('refuses what is not an image or PDF', async () => {
    await expect(pagesOf(Buffer.from('just some text'))).rejects.toThrow(UnsupportedFileError);
  });
});
