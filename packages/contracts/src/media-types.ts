/**
 * The file types a job accepts, recognised by their first bytes (never by the client's Content-Type
 * or filename). The API decides with it what it stores; the worker, how it reads the file.
 */
export type MediaKind = 'jpeg' | 'png' | 'webp' | 'tiff' | 'bmp' | 'gif' | 'pdf';

export interface MediaType {
  kind: MediaKind;
  mime: string;
  ext: string;
  /** Whether the pixel limit applies (PDF pages have no pixel size before rendering). */
  raster: boolean;
  matches(head: Buffer): boolean;
}

const startsWith = (head: Buffer, bytes: number[], offset = 0) =>
  head.length >= offset + bytes.length && bytes.every((b, i) => head[offset + i] === b);
const PDF_HEADER_WITHIN = 1024;
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

export const ACCEPTED_TYPES: readonly MediaType[] = [
  {
    kind: 'jpeg',
    mime: 'image/jpeg',
    ext: 'jpg',
    raster: true,
    matches: (h) => startsWith(h, [0xff, 0xd8, 0xff]),
  },
  {
    kind: 'png',
    mime: 'image/png',
    ext: 'png',
    raster: true,
    matches: (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  },
  {
    kind: 'webp',
    mime: 'image/webp',
    ext: 'webp',
    raster: true,
    matches: (h) => startsWith(h, ascii('RIFF')) && startsWith(h, ascii('WEBP'), 8),
  },
  {
    kind: 'tiff',
    mime: 'image/tiff',
    ext: 'tiff',
    raster: true,
    matches: (h) => startsWith(h, [0x49, 0x49, 0x2a, 0x00]) || startsWith(h, [0x4d, 0x4d, 0x00, 0x2a]),
  },
  {
    kind: 'bmp',
    mime: 'image/bmp',
    ext: 'bmp',
    raster: true,
    matches: (h) => startsWith(h, ascii('BM')) && h.length >= 26,
  },
  {
    kind: 'gif',
    mime: 'image/gif',
    ext: 'gif',
    raster: true,
    matches: (h) => startsWith(h, ascii('GIF87a')) || startsWith(h, ascii('GIF89a')),
  },
  {
    kind: 'pdf',
    mime: 'application/pdf',
    ext: 'pdf',
    raster: false,
    // PDF readers accept bytes before the header within the first 1024 (ISO 32000-1, annex H).
    matches: (h) => h.subarray(0, PDF_HEADER_WITHIN).includes('%PDF-'),
  },
];

/** The type of a file from its first bytes (1 KiB is enough), or null when it is none of the accepted ones. */
export function sniffMediaType(head: Buffer): MediaType | null {
  return ACCEPTED_TYPES.find((t) => t.matches(head)) ?? null;
}
