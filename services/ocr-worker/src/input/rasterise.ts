import { formatPageRange, selectedPages, sniffMediaType, type PageSpans } from '@ocr-jobs/contracts';
import { bmpSupport, decodeBmp } from '@ocr-jobs/images';
import sharp from 'sharp';
import {
  CorruptFileError,
  NoSelectedPagesError,
  TooManyPagesError,
  TooManyPixelsError,
  UnsupportedFileError,
} from '../errors';
import { greyRaster, type GreyRaster } from './grey-raster';
import { imageDpi, type InputLimits, type InputPage } from './page';
import { rasterisePdf } from './pdf';

function checkPixels(width: number, height: number, page: number, limits: InputLimits): void {
  if (!(width > 0 && height > 0)) throw new CorruptFileError(`corrupt image: page ${page} has no size`);
  if (width * height > limits.maxPixels)
    throw new TooManyPixelsError(
      `image too large: page ${page} is ${width}×${height} = ${width * height} pixels; at most ${limits.maxPixels} are allowed`,
    );
}

async function pageRaster(file: Buffer, page: number, limits: InputLimits): Promise<GreyRaster> {
  try {
    // sharp's own pixel guard stays on as a second line behind the header check.
    return await greyRaster(sharp(file, { page, limitInputPixels: limits.maxPixels, failOn: 'error' }));
  } catch (error) {
    throw new CorruptFileError(`corrupt image: page ${page + 1} could not be decoded`, { cause: error });
  }
}

async function headerOf(file: Buffer, page: number): Promise<sharp.Metadata> {
  try {
    return await sharp(file, { page, limitInputPixels: false }).metadata();
  } catch (error) {
    throw new CorruptFileError('corrupt image: its header could not be read', { cause: error });
  }
}

/**
 * The pages of a file of `pageCount` pages to read: the selected ones that exist (pages past the end
 * are left out), at most `maxPages` of them, at least one.
 */
export function pagesToRead(pages: PageSpans | null, pageCount: number, maxPages: number): number[] {
  const selected = selectedPages(pages, pageCount);
  if (pages && selected.length === 0)
    throw new NoSelectedPagesError(
      `pages "${formatPageRange(pages)}" selects none of the file's ${pageCount} page${pageCount === 1 ? '' : 's'}`,
    );
  if (selected.length > maxPages)
    throw new TooManyPagesError(
      pages
        ? `pages "${formatPageRange(pages)}" selects ${selected.length} pages; at most ${maxPages} are allowed`
        : `file has ${pageCount} pages; at most ${maxPages} are allowed`,
    );
  return selected;
}

/**
 * Every page of an image or PDF, one at a time: an image for OCR, or a PDF page's text layer. Sizes
 * and page counts are checked from the header before anything is decoded, so a decompression bomb
 * fails with a clear message and never takes the memory. JPEG, PNG, WebP and GIF give one page (a
 * GIF's first frame), TIFF and PDF all, or those `pages` selects (the others are never decoded;
 * result pages keep their numbers in the file).
 */
export async function* rasterise(
  file: Buffer,
  limits: InputLimits,
  signal: AbortSignal,
  pages: PageSpans | null = null,
): AsyncGenerator<InputPage> {
  // The same recognition the API applied before it stored the file; the client's type is not trusted.
  const format = sniffMediaType(file)?.kind;
  if (format === undefined)
    throw new UnsupportedFileError('unsupported file type: expected JPEG, PNG, WebP, TIFF, BMP, GIF or PDF');
  if (format === 'pdf') {
    yield* rasterisePdf(file, limits, signal, pages);
    return;
  }
  if (format !== 'tiff') pagesToRead(pages, 1, limits.maxPages); // one page: the range must hold page 1
  if (format === 'bmp') {
    // The API refuses what bmpSupport refuses; this stays for files stored before it did.
    const support = bmpSupport(file);
    if (!support.ok)
      throw support.code === 'UNSUPPORTED_BMP'
        ? new UnsupportedFileError(`unsupported BMP variant: ${support.reason}`)
        : new CorruptFileError(`corrupt BMP: ${support.reason}`);
    checkPixels(support.width, support.height, 1, limits);
    const { width, height, channels, data } = decodeBmp(file);
    const raster = await greyRaster(sharp(data, { raw: { width, height, channels } }));
    // The BMP's own pixels per metre are not read: the default resolution.
    yield { kind: 'image', page: 1, dpi: imageDpi(undefined), ...raster };
    return;
  }
  const first = await headerOf(file, 0);
  const selected = pagesToRead(pages, format === 'tiff' ? (first.pages ?? 1) : 1, limits.maxPages);
  for (const page of selected) {
    signal.throwIfAborted();
    // sharp counts pages from 0.
    const header = page === 1 ? first : await headerOf(file, page - 1);
    checkPixels(header.width ?? 0, header.height ?? 0, page, limits);
    const raster = await pageRaster(file, page - 1, limits);
    yield { kind: 'image', page, dpi: imageDpi(header.density), ...raster };
  }
}
