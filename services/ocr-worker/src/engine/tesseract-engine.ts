import type { Page, Worker } from 'tesseract.js';
import { hocrFromLines, numberPageHocr, withIds, type OcrResultPage } from '@ocr-jobs/contracts';
import { CorruptFileError } from '../errors';
import { toPgm, turnRaster, type GreyRaster } from '../input/grey-raster';
import type { InputLimits, RasterPage, TextLayerPage } from '../input/page';
import { rasterise } from '../input/rasterise';
import { readAhead } from '../input/read-ahead';
import { abortable, combinePages, type EngineResult, type OcrEngine, type RecognizeOptions } from './engine';
import type { TesseractPool } from './tesseract-pool';

export interface TesseractEngineOptions {
  pool: TesseractPool;
  limits: InputLimits;
  /**
   * Below this {@link uprightness} (0-100) the page is also read turned by 180, 90 and 270 degrees,
   * and then, if still below and its lines slope, deskewed.
   */
  rotationMinConfidence: number;
}

/** tesseract could not decode the bytes it was given (e.g. a JPEG passed to it as it is). */
const UNREADABLE_IMAGE = /Error attempting to read image/;

/** Turns tried after upright, most likely first (upside-down scans are the common mistake). */
const OTHER_TURNS = [180, 90, 270] as const;

/** A word of two letters or more, or a number, with the punctuation that may stick to it. */
const WORD = /^[("'[]?(\p{L}{2,}|\p{N}+([.,:/-]\p{N}+)*)[)"'\].,;:!?%]*$/u;

/**
 * How much a reading looks like text read the right way up: its confidence times the share of its
 * tokens that are words or numbers. Confidence alone does not tell: a line turned sideways read at
 * 59 as symbols ("[=X = [+] < 3"), while a noisy upright A4 invoice reads at 67 (bench pages:
 * turned readings score at most 30 this way, upright ones at least 46).
 */
export function uprightness(page: Pick<OcrResultPage, 'confidence' | 'text'>): number {
  const tokens = page.text.split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return 0;
  return (page.confidence * tokens.filter((t) => WORD.test(t)).length) / tokens.length;
}

/** Lines sloping more than this (radians, about 2 degrees) are worth a deskewed reading. */
const MIN_SKEW = 0.035;

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * How far the reading's lines slope, in radians: the median over lines of the slope from the first
 * word's centre to the last's (0 if no line has two words).
 */
function lineSlope(page: OcrResultPage): number {
  const centre = (b: Box) => ({ x: (b.x0 + b.x1) / 2, y: (b.y0 + b.y1) / 2 });
  const slopes = page.lines
    .filter((l) => l.words.length >= 2)
    .map((l) => {
      const [first, last] = [centre(l.words[0]!.bbox), centre(l.words.at(-1)!.bbox)];
      return Math.atan2(last.y - first.y, last.x - first.x);
    })
    .sort((a, b) => a - b);
  return slopes.length === 0 ? 0 : slopes[Math.floor(slopes.length / 2)]!;
}

/**
 * One page as tesseract read it, numbered for its place in the item: tesseract calls every page it
 * is given page 1, so its hOCR ids and title are rewritten (see numberPageHocr), and the JSON lines
 * and words get the same ids.
 */
function toResultPage(
  raster: RasterPage,
  rotation: number,
  width: number,
  height: number,
  data: Page,
): OcrResultPage {
  const { page, dpi } = raster;
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
    dpi,
    rotation,
    text: data.text.trimEnd(),
    confidence: data.confidence,
    lines: withIds(page, lines),
    hocr: data.hocr ? numberPageHocr(data.hocr, { page, width, height, dpi }) : null,
    source: 'ocr',
  };
}

/** A born-digital page, as its PDF text layer says: exact text, so full confidence. */
function fromTextLayer(input: TextLayerPage): OcrResultPage {
  const { page, width, height, dpi, text } = input;
  const lines = withIds(page, input.lines);
  return {
    page,
    width,
    height,
    dpi,
    rotation: 0,
    text,
    confidence: 100,
    lines,
    hocr: hocrFromLines({ page, width, height, dpi, lines }),
    source: 'text-layer',
  };
}

/**
 * tesseract.js on every page of a file; PDF pages with a text layer are taken from it instead. Each
 * page is read once as it is; only when that reads poorly is it tried at the other right angles, and
 * deskewed (`rotateAuto`, a second layout pass that cost 15-65 % of every page when it was always on)
 * only when its lines slope, keeping the best reading. Bounding boxes are in the coordinates of the page
 * as read.
 */
export class TesseractEngine implements OcrEngine {
  readonly name = 'tesseract';

  constructor(private readonly options: TesseractEngineOptions) {}

  async recognize(file: Buffer, signal: AbortSignal, options: RecognizeOptions = {}): Promise<EngineResult> {
    const pages: OcrResultPage[] = [];
    let lease: Awaited<ReturnType<TesseractPool['acquire']>> | undefined;
    // Aborting terminates the worker thread: the OCR really stops, not only its promise.
    const onAbort = () => void lease?.destroy();
    signal.addEventListener('abort', onAbort);
    try {
      for await (const input of readAhead(
        rasterise(file, this.options.limits, signal, options.pages ?? null),
      )) {
        if (input.kind === 'text') {
          pages.push(fromTextLayer(input));
          continue;
        }
        // Taken after the first page decodes: a file refused by its header, or a born-digital PDF,
        // never occupies a worker.
        lease ??= await this.acquire(signal, options.languages);
        pages.push(await this.readPage(lease.worker, input, signal));
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

  /** Starts the pool's workers now, so the first items do not wait for a model to load. */
  async warm(): Promise<void> {
    await this.options.pool.warm();
  }

  async close(): Promise<void> {
    await this.options.pool.close();
  }

  /** A worker, unless the signal aborts first; one created too late goes back to the pool. */
  private async acquire(signal: AbortSignal, languages: string | undefined) {
    const acquiring = this.options.pool.acquire(languages);
    try {
      return await abortable(acquiring, signal);
    } catch (error) {
      acquiring.then((late) => late.release()).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The page as it is; if that reads poorly, turned by the other right angles until one reads well,
   * and deskewed only if the best reading's lines slope.
   */
  private async readPage(worker: Worker, raster: RasterPage, signal: AbortSignal): Promise<OcrResultPage> {
    const enough = this.options.rotationMinConfidence;
    let best = await this.read(worker, raster, 0, raster, false, signal);
    if (uprightness(best) >= enough) return best;
    let bestImage: GreyRaster = raster;
    for (const turn of OTHER_TURNS) {
      const turned = await turnRaster(raster, turn);
      const candidate = await this.read(worker, raster, turn, turned, false, signal);
      if (uprightness(candidate) > uprightness(best)) [best, bestImage] = [candidate, turned];
      if (uprightness(best) >= enough) return best;
    }
    // A page that still reads poorly is deskewed only when its lines slope: a level page gains
    // nothing from the second layout pass.
    if (Math.abs(lineSlope(best)) < MIN_SKEW) return best;
    const deskewed = await this.read(worker, raster, best.rotation, bestImage, true, signal);
    return uprightness(deskewed) > uprightness(best) ? deskewed : best;
  }

  private async read(
    worker: Worker,
    raster: RasterPage,
    rotation: number,
    image: GreyRaster,
    deskew: boolean,
    signal: AbortSignal,
  ): Promise<OcrResultPage> {
    // Aborted between two reads: the worker is being terminated, so do not hand it more work.
    signal.throwIfAborted();
    const { data } = await abortable(
      worker.recognize(toPgm(image), { rotateAuto: deskew }, { text: true, blocks: true, hocr: true }),
      signal,
    ).catch((error: unknown) => {
      if (UNREADABLE_IMAGE.test(String(error)))
        throw new CorruptFileError(`corrupt image: page ${raster.page} could not be decoded`, {
          cause: error,
        });
      throw error;
    });
    const sideways = rotation === 90 || rotation === 270;
    return toResultPage(
      raster,
      rotation,
      sideways ? raster.height : raster.width,
      sideways ? raster.width : raster.height,
      data,
    );
  }
}
