import { imageSize } from 'image-size';
import { sniffMediaType, type MediaType } from '@ocr-jobs/contracts';
import { bmpSupport } from '@ocr-jobs/images';
import { ApiError } from '../http/api-error';

/** The file's type from its first bytes; 415 when it is none the API accepts. */
export function acceptedMediaType(filename: string, head: Buffer): MediaType {
  const type = sniffMediaType(head);
  if (!type)
    throw new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `"${filename}" is not a JPEG, PNG, WebP, TIFF, BMP, GIF or PDF file`,
    );
  return type;
}

/** How many leading bytes of a file are kept to recognise it and read its size. */
export const HEAD_BYTES = 256 * 1024;

export interface Dimensions {
  width: number;
  height: number;
}

/**
 * What the first bytes say about an image's size: measured; or (TIFF) the offset of the directory
 * that holds it, further into the file; or nothing for a PDF, which has no pixels before rendering.
 */
export type HeadMeasure =
  | { kind: 'measured'; dimensions: Dimensions }
  | { kind: 'tiff-directory'; offset: number; littleEndian: boolean }
  | { kind: 'not-raster' }
  | { kind: 'unreadable' };

export function measureHead(type: MediaType, head: Buffer): HeadMeasure {
  if (!type.raster) return { kind: 'not-raster' };
  try {
    const { width, height } = imageSize(head);
    if (width && height) return { kind: 'measured', dimensions: { width, height } };
  } catch {
    // Falls through: a TIFF's directory is often written after the image data.
  }
  if (type.ext === 'tiff' && head.length >= 8) {
    const littleEndian = head[0] === 0x49;
    const offset = littleEndian ? head.readUInt32LE(4) : head.readUInt32BE(4);
    if (offset >= head.length) return { kind: 'tiff-directory', offset, littleEndian };
  }
  return { kind: 'unreadable' };
}

/** Bytes to read at a TIFF directory's offset: its entry count and up to 340 entries. */
export const TIFF_DIRECTORY_BYTES = 2 + 340 * 12 + 4;

/** ImageWidth (256) and ImageLength (257) from a TIFF image file directory. */
export function tiffDimensions(directory: Buffer, littleEndian: boolean): Dimensions | null {
  const u16 = (at: number) => (littleEndian ? directory.readUInt16LE(at) : directory.readUInt16BE(at));
  const u32 = (at: number) => (littleEndian ? directory.readUInt32LE(at) : directory.readUInt32BE(at));
  if (directory.length < 2) return null;
  const entries = u16(0);
  let width = 0;
  let height = 0;
  for (let i = 0; i < entries && 2 + (i + 1) * 12 <= directory.length; i++) {
    const at = 2 + i * 12;
    const tag = u16(at);
    if (tag !== 256 && tag !== 257) continue;
    const type = u16(at + 2);
    // SHORT (3) values sit in the first two bytes of the value field, LONG (4) fill it.
    const value = type === 3 ? u16(at + 8) : type === 4 ? u32(at + 8) : 0;
    if (tag === 256) width = value;
    else height = value;
  }
  return width && height ? { width, height } : null;
}

/** 422 when an image has more pixels than the limit, naming the limit. */
export function assertPixelLimit(filename: string, dimensions: Dimensions, maxPixels: number): void {
  const pixels = dimensions.width * dimensions.height;
  if (pixels > maxPixels)
    throw new ApiError(
      422,
      'IMAGE_TOO_LARGE',
      `"${filename}" has ${pixels} pixels (${dimensions.width}x${dimensions.height}); MAX_IMAGE_PIXELS is ${maxPixels}`,
    );
}

export function unreadableImage(filename: string, type: MediaType): ApiError {
  return new ApiError(
    422,
    'UNREADABLE_IMAGE',
    `could not read the size of "${filename}" from its ${type.ext.toUpperCase()} header`,
  );
}

/** Where a TIFF keeps its size, when that lies beyond the head. */
export interface TiffDirectory {
  offset: number;
  littleEndian: boolean;
}

/**
 * The pixel limit, as far as the head can tell: throws for an image over the limit or whose size
 * cannot be read; returns the TIFF directory still to be checked (see {@link checkTiffDirectory})
 * when the size lies further into the file, else null.
 */
export function checkHeadPixels(
  filename: string,
  type: MediaType,
  head: Buffer,
  maxPixels: number,
): TiffDirectory | null {
  const measure = measureHead(type, head);
  if (measure.kind === 'not-raster') return null;
  if (measure.kind === 'unreadable') throw unreadableImage(filename, type);
  if (measure.kind === 'measured') {
    assertPixelLimit(filename, measure.dimensions, maxPixels);
    return null;
  }
  return { offset: measure.offset, littleEndian: measure.littleEndian };
}

/** The pixel limit for a TIFF whose directory lay beyond the head; `readAt` reads the stored file. */
export async function checkTiffDirectory(
  filename: string,
  type: MediaType,
  at: TiffDirectory,
  maxPixels: number,
  readAt: (offset: number, length: number) => Promise<Buffer>,
): Promise<void> {
  const dimensions = tiffDimensions(await readAt(at.offset, TIFF_DIRECTORY_BYTES), at.littleEndian);
  if (!dimensions) throw unreadableImage(filename, type);
  assertPixelLimit(filename, dimensions, maxPixels);
}

/** The whole pixel check of a file from its head, reading a far TIFF directory with `readAt`. */
export async function checkPixels(
  filename: string,
  type: MediaType,
  head: Buffer,
  maxPixels: number,
  readAt: (offset: number, length: number) => Promise<Buffer>,
): Promise<void> {
  const directory = checkHeadPixels(filename, type, head, maxPixels);
  if (directory) await checkTiffDirectory(filename, type, directory, maxPixels, readAt);
}

/**
 * A BMP the worker could not decode is refused here, from its head and size, so it is never accepted
 * and failed later: 415 `UNSUPPORTED_BMP` for a variant (JPEG- or PNG-compressed, CMYK…), 422
 * `CORRUPT_BMP` for a broken or truncated file.
 */
export function checkBmp(filename: string, type: MediaType, head: Buffer, bytes: number): void {
  if (type.ext !== 'bmp') return;
  const support = bmpSupport(head, bytes);
  if (support.ok) return;
  if (support.code === 'UNSUPPORTED_BMP')
    throw new ApiError(415, 'UNSUPPORTED_BMP', `"${filename}" cannot be read: ${support.reason}`);
  throw new ApiError(422, 'CORRUPT_BMP', `"${filename}" cannot be read: ${support.reason}`);
}
