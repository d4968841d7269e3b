import sharp from 'sharp';
import type { Page, Worker } from 'tesseract.js';
import type { OcrResultPage } from '@ocr-jobs/contracts';
import { CorruptFileError } from '../errors';
import type { InputLimits, RasterPage } from '../input/page';
import { rasterise } from '../input/rasterise';
import { abortable, combinePages, type EngineResult, type OcrEngine } from './engine';
import type { TesseractPool } from './tesseract-pool';

export interface TesseractEngineOptions {
  pool: TesseractPool;
  limits: InputLimits;
  /** Below this page confidence the page is also read turned by 180, 90 and 270 degrees. */
  rotationMinConfidence: number;
}

/** Turns tried after upright, most likely first (upside-down scans are the common mistake). */
const OTHER_TURNS = [180, 90, 270] as const;

function toResultPage(
  page: number,
  rotation: number,
  width: number,
  height: number,
  data: Page,
): OcrResultPage {
  const lines = (data.blocks ?? []).flatMap((block) =>
    block.paragraphs.flatMap((paragraph) =>
      paragraph.lines.map((line) => ({
        text: line.text.trim(),
        confidence: line.confidence,
        bbox: line.bbox,
        words: line.words.map((w) => ({ text: w.text, confidence: w.confidence, bbox: w.bbox })),
      })),
    ),
  );
  return {
    page,
    width,
    height,
    rotation,
    text: data.text.trimEnd(),
    confidence: data.confidence,
    lines,
    hocr: data.hocr,
  };
}

/**
 * tesseract.js on every page of a file. Each page is read upright first; when that reads poorly it
 * is tried at the other right angles and the best reading kept. Slight skews are straightened by
 * tesseract itself (`rotateAuto`). Bounding boxes are in the coordinates of the page as read.
 */
export class TesseractEngine implements OcrEngine {
  readonly name = 'tesseract';

  constructor(private readonly options: TesseractEngineOptions) {}

  async recognize(file: Buffer, signal: AbortSignal): Promise<EngineResult> {
    const pages: OcrResultPage[] = [];
    let lease: Awaited<ReturnType<TesseractPool['acquire']>> | undefined;
    // Aborting terminates the worker thread: the OCR really stops, not only its promise.
    const onAbort = () => void lease?.destroy();
    signal.addEventListener('abort', onAbort);
    try {
      for await (const raster of rasterise(file, this.options.limits, signal)) {
        // Taken after the first page decodes: a file refused by its header never occupies a worker.
        lease ??= await this.acquire(signal);
        pages.push(await this.readPage(lease.worker, raster, signal));
      }
      if (pages.length === 0) throw new CorruptFileError('file has no pages');
      await lease?.release();
      return combinePages(this.name, pages);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      // A failed recognize may leave the worker in a bad state; a fresh one is cheap.
      await lease?.destroy();
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    await this.options.pool.close();
  }

  /** A worker, unless the signal aborts first; one created too late goes back to the pool. */
  private async acquire(signal: AbortSignal) {
    const acquiring = this.options.pool.acquire();
    try {
      return await abortable(acquiring, signal);
    } catch (error) {
      acquiring.then((late) => late.release()).catch(() => undefined);
      throw error;
    }
  }

  private async readPage(worker: Worker, raster: RasterPage, signal: AbortSignal): Promise<OcrResultPage> {
    let best = await this.read(worker, raster, 0, raster.png, signal);
    for (const turn of OTHER_TURNS) {
      if (best.confidence >= this.options.rotationMinConfidence) break;
      const turned = await sharp(raster.png).rotate(turn).png({ compressionLevel: 1 }).toBuffer();
      const candidate = await this.read(worker, raster, turn, turned, signal);
      if (candidate.confidence > best.confidence) best = candidate;
    }
    return best;
  }

  private async read(
    worker: Worker,
    raster: RasterPage,
    rotation: number,
    png: Buffer,
    signal: AbortSignal,
  ): Promise<OcrResultPage> {
    // Aborted between two reads: the worker is being terminated, so do not hand it more work.
    signal.throwIfAborted();
    const { data } = await abortable(
      worker.recognize(png, { rotateAuto: true }, { text: true, blocks: true, hocr: true }),
      signal,
    );
    const sideways = rotation === 90 || rotation === 270;
    return toResultPage(
      raster.page,
      rotation,
      sideways ? raster.height : raster.width,
      sideways ? raster.width : raster.height,
      data,
    );
  }
}
