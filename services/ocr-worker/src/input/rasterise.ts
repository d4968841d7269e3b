import { sniffMediaType } from '@ocr-jobs/contracts';
import sharp from 'sharp';
import { CorruptFileError, TooManyPagesError, TooManyPixelsError, UnsupportedFileError } from '../errors';
import { decodeBmp, readBmpHeader } from './bmp';
import type { InputLimits, RasterPage } from './page';
import { rasterisePdf } from './pdf';

function checkPixels(width: number, height: number, page: number, limits: InputLimits): void {
  if (!(width > 0 && height > 0)) throw new CorruptFileError(`corrupt image: page ${page} has no size`);
  if (width * height > limits.maxPixels)
    throw new TooManyPixelsError(
      `image too large: page ${page} is ${width}×${height} = ${width * height} pixels; at most ${limits.maxPixels} are allowed`,
    );
}

/** Upright (EXIF), flattened on white, greyscale: what tesseract reads best, and small to pass to it. */
function toPng(image: sharp.Sharp): Promise<Buffer> {
  return image
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .greyscale()
    .png({ compressionLevel: 1 })
    .toBuffer();
}

async function pagePng(file: Buffer, page: number, limits: InputLimits): Promise<Buffer> {
  try {
    // sharp's own pixel guard stays on as a second line behind the header check.
    return await toPng(sharp(file, { page, limitInputPixels: limits.maxPixels, failOn: 'error' }));
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
 * Every page of an image or PDF as a PNG, one at a time. Sizes and page counts are checked from the
 * header before anything is decoded, so a decompression bomb fails with a clear message and never
 * takes the memory. JPEG, PNG, WebP and GIF give one page (a GIF's first frame), TIFF and PDF all.
 */
export async function* rasterise(
  file: Buffer,
  limits: InputLimits,
  signal: AbortSignal,
): AsyncGenerator<RasterPage> {
  // The same recognition the API applied before it stored the file; the client's type is not trusted.
  const format = sniffMediaType(file)?.kind;
  if (format === undefined)
    throw new UnsupportedFileError('unsupported file type: expected JPEG, PNG, WebP, TIFF, BMP, GIF or PDF');
  if (format === 'pdf') {
    yield* rasterisePdf(file, limits, signal);
    return;
  }
  if (format === 'bmp') {
    const header = readBmpHeader(file);
    checkPixels(header.width, header.height, 1, limits);
    const { width, height, rgb } = decodeBmp(file, header);
    yield { page: 1, width, height, png: await toPng(sharp(rgb, { raw: { width, height, channels: 3 } })) };
    return;
  }
  const first = await headerOf(file, 0);
  const pages = format === 'tiff' ? (first.pages ?? 1) : 1;
  if (pages > limits.maxPages)
    throw new TooManyPagesError(`file has ${pages} pages; at most ${limits.maxPages} are allowed`);
  for (let page = 0; page < pages; page++) {
    signal.throwIfAborted();
    const header = page === 0 ? first : await headerOf(file, page);
    checkPixels(header.width ?? 0, header.height ?? 0, page + 1, limits);
    const png = await pagePng(file, page, limits);
    const { width, height } = await sharp(png).metadata();
    yield { page: page + 1, width: width ?? 0, height: height ?? 0, png };
  }
}
