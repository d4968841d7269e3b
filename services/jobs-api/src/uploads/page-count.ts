import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { formatPageRange, type PageSpans } from '@ocr-jobs/contracts';
import { ApiError } from '../http/api-error';

// The .mjs sits beside this file both in src/ (tests) and dist/ (tsc copies it with allowJs).
const pdfWorkerFile = path.join(__dirname, 'pdf-page-count.worker.mjs');

/** How a stored file is read: a byte range, or all of it. */
export interface StoredObject {
  readAt(offset: number, length: number): Promise<Buffer>;
  readAll(): Promise<Buffer>;
}

/** Classic TIFF directories are chained; no scanner writes more pages than this. */
const TIFF_DIRECTORY_LIMIT = 100_000;

/**
 * How many pages a TIFF has, counting directories only up to `enough` (the first selected page):
 * a few small range reads, whatever the file's size.
 */
export async function tiffPageCount(object: StoredObject, enough: number): Promise<number> {
  const header = await object.readAt(0, 8);
  if (header.length < 8) return 0;
  const littleEndian = header[0] === 0x49;
  const u16 = (b: Buffer) => (littleEndian ? b.readUInt16LE(0) : b.readUInt16BE(0));
  const u32 = (b: Buffer) => (littleEndian ? b.readUInt32LE(0) : b.readUInt32BE(0));
  let offset = u32(header.subarray(4));
  const seen = new Set<number>();
  let pages = 0;
  while (offset !== 0 && pages < enough && pages < TIFF_DIRECTORY_LIMIT && !seen.has(offset)) {
    seen.add(offset); // a directory chain that loops back ends here
    const count = await object.readAt(offset, 2);
    if (count.length < 2) break;
    pages++;
    const next = await object.readAt(offset + 2 + u16(count) * 12, 4);
    offset = next.length === 4 ? u32(next) : 0;
  }
  return pages;
}

/** A PDF's page count from pdf.js (in a worker thread), or undefined when pdf.js cannot open it. */
export async function pdfPageCount(file: Buffer): Promise<number | undefined> {
  const worker = new Worker(pdfWorkerFile, {
    workerData: { data: new Uint8Array(file) },
    resourceLimits: { maxOldGenerationSizeMb: 256 },
  });
  try {
    const answer = await new Promise<{ pages?: number; error?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', () => resolve({ error: 'the page counter stopped' }));
    });
    return answer.pages;
  } catch {
    return undefined;
  } finally {
    await worker.terminate();
  }
}

/**
 * 422 PAGES_OUT_OF_RANGE when a job's `pages` selects none of a file's pages, counted cheaply: a
 * TIFF's directories, a PDF's page tree (read only when `pages` is given), one page for any other
 * image. A range partly past the end is fine: the pages that exist are read. A PDF pdf.js cannot open
 * is left to the worker, as without `pages`.
 */
export async function checkPageRange(
  file: { filename: string; contentType: string },
  pages: PageSpans,
  object: StoredObject,
): Promise<void> {
  const first = pages[0]![0];
  let count: number | undefined;
  if (file.contentType === 'image/tiff') count = await tiffPageCount(object, first);
  else if (file.contentType === 'application/pdf') count = await pdfPageCount(await object.readAll());
  else count = 1;
  if (count === undefined || count >= first) return;
  throw new ApiError(
    422,
    'PAGES_OUT_OF_RANGE',
    `"${file.filename}" has ${count} page${count === 1 ? '' : 's'}; pages "${formatPageRange(pages)}" selects none of them`,
  );
}
