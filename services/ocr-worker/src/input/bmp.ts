import { decode } from 'bmp-js';
import { CorruptFileError, UnsupportedFileError } from '../errors';

export interface BmpHeader {
  width: number;
  height: number;
  bitsPerPixel: number;
  compression: number;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;

/** Reads a BMP's dimensions without decoding (sharp has no BMP reader). */
export function readBmpHeader(file: Buffer): BmpHeader {
  if (file.length < 34) throw new CorruptFileError('corrupt BMP: header is truncated');
  const headerSize = file.readUInt32LE(14);
  if (headerSize === 12) {
    // OS/2 BITMAPCOREHEADER: 16-bit sizes, no compression.
    return {
      width: file.readUInt16LE(18),
      height: file.readUInt16LE(20),
      bitsPerPixel: file.readUInt16LE(24),
      compression: BI_RGB,
    };
  }
  if (headerSize < 40) throw new CorruptFileError('corrupt BMP: unknown header size');
  return {
    width: file.readInt32LE(18),
    height: Math.abs(file.readInt32LE(22)),
    bitsPerPixel: file.readUInt16LE(28),
    compression: file.readUInt32LE(30),
  };
}

/** Decodes an uncompressed BMP (1, 4, 8, 24 or 32 bits) to raw RGB. Call after checking the header. */
export function decodeBmp(file: Buffer, header: BmpHeader): { width: number; height: number; rgb: Buffer } {
  if (file.readUInt32LE(14) !== 40 || ![BI_RGB, BI_BITFIELDS].includes(header.compression))
    throw new UnsupportedFileError('unsupported BMP variant: only uncompressed Windows BMPs are read');
  if (![1, 4, 8, 24, 32].includes(header.bitsPerPixel))
    throw new UnsupportedFileError(`unsupported BMP variant: ${header.bitsPerPixel} bits per pixel`);
  const expected = Math.floor((header.bitsPerPixel * header.width + 31) / 32) * 4 * header.height;
  if (file.length < file.readUInt32LE(10) + expected)
    throw new CorruptFileError('corrupt BMP: pixel data is truncated');
  let image;
  try {
    image = decode(file);
  } catch (error) {
    throw new CorruptFileError('corrupt BMP: could not be decoded', { cause: error });
  }
  const pixels = image.width * image.height;
  const rgb = Buffer.alloc(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    rgb[i * 3] = image.data[i * 4 + 3]!;
    rgb[i * 3 + 1] = image.data[i * 4 + 2]!;
    rgb[i * 3 + 2] = image.data[i * 4 + 1]!;
  }
  return { width: image.width, height: image.height, rgb };
}
