import { createWorker, OEM, type Worker } from 'tesseract.js';
import type { Logger } from '@ocr-jobs/runtime';
import { DEFAULT_TESSDATA_DIR, modelLangPath, type OcrModel } from './models';

export interface TesseractPoolOptions {
  /** Most workers alive at once. */
  size: number;
  /** A worker is replaced after this many items. */
  maxJobsPerWorker: number;
  /** A worker is replaced after an item when the process RSS is above this. */
  maxRssBytes: number;
  logger: Logger;
  /** Which eng model the workers load (default `best`). */
  model?: OcrModel;
  /** Where the `fast` model is read from. */
  tessdataDir?: string;
}

/** One worker lent to one item. Give it back with release(), or destroy() it (timeout, error). */
export interface Lease {
  readonly worker: Worker;
  release(): Promise<void>;
  destroy(): Promise<void>;
}

interface Slot {
  worker: Worker;
  jobs: number;
}

/**
 * A pool of tesseract.js workers (each a worker thread with its own WASM heap). Workers are made
 * on demand and recycled after `maxJobsPerWorker` items or when memory passes `maxRssBytes`,
 * because a WASM heap never shrinks.
 */
export class TesseractPool {
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<(slot: Slot | undefined) => void> = [];
  private live = 0;
  private closed = false;
  readonly stats = { created: 0, recycled: 0, destroyed: 0 };

  constructor(private readonly options: TesseractPoolOptions) {}

  async acquire(): Promise<Lease> {
    if (this.closed) throw new Error('tesseract pool is closed');
    let slot = this.idle.pop();
    if (!slot && this.live < this.options.size) slot = await this.create();
    slot ??= await new Promise<Slot | undefined>((resolve) => this.waiting.push(resolve));
    if (!slot) return this.acquire();
    return this.lease(slot);
  }

  /** Creates workers up to `size` and keeps them idle: model loading is paid at start, not by items. */
  async warm(): Promise<void> {
    const missing = this.options.size - this.live;
    const created = await Promise.all(Array.from({ length: Math.max(0, missing) }, () => this.create()));
    for (const slot of created) {
      // Closed while the models loaded (a quick shutdown): these threads must not outlive the pool.
      if (this.closed) {
        await this.terminate(slot);
        continue;
      }
      const next = this.waiting.shift();
      if (next) next(slot);
      else this.idle.push(slot);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const resolve of this.waiting.splice(0)) resolve(undefined);
    await Promise.all(this.idle.splice(0).map((slot) => this.terminate(slot)));
  }

  private lease(slot: Slot): Lease {
    let done = false;
    return {
      worker: slot.worker,
      release: async () => {
        if (done) return;
        done = true;
        slot.jobs += 1;
        const rss = process.memoryUsage.rss();
        if (this.closed || slot.jobs >= this.options.maxJobsPerWorker || rss > this.options.maxRssBytes) {
          this.stats.recycled += 1;
          this.options.logger.info('recycling tesseract worker', { jobs: slot.jobs, rss_bytes: rss });
          await this.terminate(slot);
          return;
        }
        const next = this.waiting.shift();
        if (next) next(slot);
        else this.idle.push(slot);
      },
      destroy: async () => {
        if (done) return;
        done = true;
        this.stats.destroyed += 1;
        await this.terminate(slot);
      },
    };
  }

  private async create(): Promise<Slot> {
    this.live += 1;
    try {
      const model = this.options.model ?? 'best';
      // Models come from disk (node_modules or a tessdata directory), never the CDN.
      const worker = await createWorker('eng', OEM.LSTM_ONLY, {
        langPath: modelLangPath(model, this.options.tessdataDir ?? DEFAULT_TESSDATA_DIR),
        cacheMethod: 'none',
        gzip: model === 'best',
        // Without a handler tesseract.js throws a failed job's error out of its message listener.
        errorHandler: (error: unknown) =>
          this.options.logger.warn('tesseract worker reported an error', { error: String(error) }),
      });
      // Tesseract's own warnings ("Estimating resolution as …") would break the JSON log lines on stdout.
      await worker.setParameters({ debug_file: '/dev/null' }).catch(async (error: unknown) => {
        await worker.terminate();
        throw error;
      });
      this.stats.created += 1;
      return { worker, jobs: 0 };
    } catch (error) {
      this.live -= 1;
      throw error;
    }
  }

  /** Ends a worker thread (this stops a running recognize) and lets a waiting item create a new one. */
  private async terminate(slot: Slot): Promise<void> {
    this.live -= 1;
    try {
      await slot.worker.terminate();
    } catch (error) {
      this.options.logger.warn('tesseract worker did not terminate cleanly', { err: error });
    }
    const next = this.waiting.shift();
    if (next) next(undefined);
  }
}
