import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PageSpans } from '@ocr-jobs/contracts';
import sharp from 'sharp';
import {
  CorruptFileError,
  NoSelectedPagesError,
  PermanentItemError,
  TooManyPagesError,
  TooManyPixelsError,
  UnsupportedFileError,
} from '../errors';
import { greyRaster } from './grey-raster';
import type { InputLimits, InputPage, TextLayerPage } from './page';

type FromWorker =
  | { type: 'info'; pages: number }
  | { type: 'page'; page: number; width: number; height: number; rgba: Uint8ClampedArray }
  | { type: 'text'; page: number; width: number; height: number; lines: TextLayerPage['lines'] }
  | { type: 'error'; code: string; message: string }
  | { type: 'done' };

const standardFontDataUrl =
  path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts') + path.sep;
// The .mjs sits beside this file both in src/ (tests) and dist/ (tsc copies it with allowJs).
const workerFile = path.join(__dirname, 'pdf-raster.worker.mjs');

function toError(code: string, message: string): PermanentItemError {
  if (code === 'TOO_MANY_PAGES') return new TooManyPagesError(message);
  if (code === 'TOO_MANY_PIXELS') return new TooManyPixelsError(message);
  if (code === 'UNSUPPORTED_FILE') return new UnsupportedFileError(message);
  if (code === 'NO_SELECTED_PAGES') return new NoSelectedPagesError(message);
  return new CorruptFileError(message);
}

/**
 * Every page of a PDF (or those `pages` selects; the others are never loaded), one at a time, read by
 * pdf.js in a worker thread: a page with a text layer as its text, any other page rendered to a PNG
 * for OCR. Aborting the signal terminates the thread.
 */
export async function* rasterisePdf(
  file: Buffer,
  limits: InputLimits,
  signal: AbortSignal,
  pages: PageSpans | null = null,
): AsyncGenerator<InputPage> {
  const worker = new Worker(workerFile, {
    workerData: {
      data: new Uint8Array(file),
      maxPages: limits.maxPages,
      maxPixels: limits.maxPixels,
      dpi: limits.pdfDpi,
      pages,
      standardFontDataUrl,
    },
    // A runaway document must not take the process's memory with it.
    resourceLimits: { maxOldGenerationSizeMb: 512 },
  });
  const inbox: FromWorker[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let exited = false;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  worker.on('message', (m: FromWorker) => {
    inbox.push(m);
    notify();
  });
  worker.on('error', (error) => {
    failure = new CorruptFileError(`corrupt PDF: ${error.message}`, { cause: error });
    notify();
  });
  worker.on('exit', () => {
    exited = true;
    notify();
  });
  const onAbort = () => void worker.terminate();
  signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      signal.throwIfAborted();
      const next = inbox.shift();
      if (next === undefined) {
        if (failure) throw failure;
        if (exited) throw new CorruptFileError('corrupt PDF: the renderer stopped unexpectedly');
        await new Promise<void>((resolve) => {
          // One listener per wait, removed after it: a 100-page PDF must not pile them up.
          const onWaitAbort = () => resolve();
          wake = () => {
            signal.removeEventListener('abort', onWaitAbort);
            resolve();
          };
          signal.addEventListener('abort', onWaitAbort, { once: true });
        });
        continue;
      }
      if (next.type === 'error') throw toError(next.code, next.message);
      if (next.type === 'done') return;
      if (next.type === 'page') {
        const { width, height, rgba } = next;
        const pixels = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
        const raster = await greyRaster(sharp(pixels, { raw: { width, height, channels: 4 } }));
        yield { kind: 'image', page: next.page, dpi: limits.pdfDpi, ...raster };
      }
      if (next.type === 'text') {
        const { page, width, height, lines } = next;
        const text = lines.map((l) => l.text).join('\n');
        yield { kind: 'text', page, width, height, dpi: limits.pdfDpi, lines, text };
      }
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}
