import { UnsupportedFileError } from '../errors';

export type InputFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'bmp' | 'gif' | 'pdf';

/** The file's format from its first bytes; the client's content type and filename are not trusted. */
export function sniffFormat(file: Buffer): InputFormat {
  const ascii = (start: number, end: number) => file.subarray(start, end).toString('latin1');
  if (file.length >= 3 && file[0] === 0xff && file[1] === 0xd8 && file[2] === 0xff) return 'jpeg';
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'tiff';
  if (ascii(0, 2) === 'BM' && file.length >= 26) return 'bmp';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  // PDF allows junk before the header within the first 1024 bytes.
  if (file.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  throw new UnsupportedFileError('unsupported file type: expected JPEG, PNG, WebP, TIFF, BMP, GIF or PDF');
}
