import { createWorker, OEM, type Worker } from 'tesseract.js';
import { discoverLanguages, type LoadableLanguage, type Logger } from '@ocr-jobs/runtime';
import { splitLanguages } from '@ocr-jobs/contracts';
import { UnsupportedLanguageError } from '../errors';
import { DEFAULT_TESSDATA_DIR, LanguageDirectory, type OcrModel } from './models';

export interface TesseractPoolOptions {
  /** Most workers alive at once. */
  size: number;
  /** A worker is replaced after this many items. */
  maxJobsPerWorker: number;
  /** A worker is replaced after an item when the process RSS is above this. */
  maxRssBytes: number;
  logger: Logger;
  /** The languages workers may load, each with its model file (default: what this machine has). */
  languages?: readonly LoadableLanguage[];
  /** The set warm workers load and acquire() takes by default, in tesseract's form (default `eng`). */
  defaultLanguages?: string;
  /** Without `languages`: which models are found (default `best`), see @ocr-jobs/runtime's ocr-languages. */
  model?: OcrModel;
  /** Without `languages`: where the `fast` models are read from. */
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
  /** The language set the worker is initialised with (`por+eng`). */
  languages: string;
}

/**
 * A pool of tesseract.js workers (each a worker thread with its own WASM heap). Workers are made
 * on demand and recycled after `maxJobsPerWorker` items or when memory passes `maxRssBytes`,
 * because a WASM heap never shrinks. Each worker is initialised with one language set; an item
 * takes an idle worker of its set, else a new one while there is room, else an idle worker of
 * another set, re-initialised with its languages (the models load again, the thread stays).
 */
export class TesseractPool {
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<(slot: Slot | undefined) => void> = [];
  private live = 0;
  private closed = false;
  private directory: LanguageDirectory | undefined;
  readonly languages: readonly LoadableLanguage[];
  readonly defaultLanguages: string;
  readonly stats = { created: 0, recycled: 0, destroyed: 0, switched: 0 };

  constructor(private readonly options: TesseractPoolOptions) {
    this.languages =
      options.languages ??
      discoverLanguages({
        OCR_MODEL: options.model ?? 'best',
        OCR_TESSDATA_DIR: options.tessdataDir ?? DEFAULT_TESSDATA_DIR,
      });
    this.defaultLanguages = options.defaultLanguages ?? 'eng';
  }

  /** A worker initialised with `languages` (tesseract's form, e.g. `por+eng`). */
  async acquire(languages = this.defaultLanguages): Promise<Lease> {
    if (this.closed) throw new Error('tesseract pool is closed');
    this.checkLanguages(languages);
    let slot = this.takeIdle(languages);
    if (!slot && this.live < this.options.size) slot = await this.create(languages);
    // No room for another worker: the longest idle one changes its languages.
    slot ??= this.idle.shift();
    slot ??= await new Promise<Slot | undefined>((resolve) => this.waiting.push(resolve));
    if (!slot) return this.acquire(languages);
    if (slot.languages !== languages) await this.switchLanguages(slot, languages);
    return this.lease(slot);
  }

  /** Creates workers up to `size` and keeps them idle: model loading is paid at start, not by items. */
  async warm(): Promise<void> {
    const missing = this.options.size - this.live;
    const created = await Promise.all(
      Array.from({ length: Math.max(0, missing) }, () => this.create(this.defaultLanguages)),
    );
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
    this.removeDirectoryWhenDone();
  }

  /** An item's languages the pool has no model for fail the item, naming what there is. */
  private checkLanguages(languages: string): void {
    const missing = splitLanguages(languages).filter((code) => !this.languages.some((l) => l.code === code));
    if (missing.length > 0)
      throw new UnsupportedLanguageError(
        `no OCR model for ${missing.join(', ')} on this worker (it reads ${this.languages.map((l) => l.code).join(', ')})`,
      );
  }

  /** The most recently used idle worker of this language set. */
  private takeIdle(languages: string): Slot | undefined {
    for (let i = this.idle.length - 1; i >= 0; i--)
      if (this.idle[i]!.languages === languages) return this.idle.splice(i, 1)[0];
    return undefined;
  }

  private async switchLanguages(slot: Slot, languages: string): Promise<void> {
    try {
      await slot.worker.reinitialize(languages, OEM.LSTM_ONLY);
      // A new tesseract instance: its parameters are back to their defaults.
      await this.quiet(slot.worker);
    } catch (error) {
      await this.terminate(slot);
      throw error;
    }
    this.options.logger.debug('tesseract worker changed languages', { from: slot.languages, to: languages });
    slot.languages = languages;
    this.stats.switched += 1;
  }

  /** Tesseract's own warnings ("Estimating resolution as …") would break the JSON log lines on stdout. */
  private quiet(worker: Worker) {
    return worker.setParameters({ debug_file: '/dev/null' });
  }

  private langPath(): string {
    this.directory ??= LanguageDirectory.create(this.languages);
    return this.directory.path;
  }

  /** The symlinks go once the pool is closed and its last worker ended (one may still be loading). */
  private removeDirectoryWhenDone(): void {
    if (!this.closed || this.live > 0) return;
    this.directory?.remove();
    this.directory = undefined;
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

  private async create(languages: string): Promise<Slot> {
    this.live += 1;
    try {
      // Models come from disk (node_modules or a tessdata directory, see LanguageDirectory), never
      // the CDN; `gzip: false` names the files `<code>.traineddata`, gzipped or not.
      const worker = await createWorker(languages, OEM.LSTM_ONLY, {
        langPath: this.langPath(),
        cacheMethod: 'none',
        gzip: false,
        // Without a handler tesseract.js throws a failed job's error out of its message listener.
        errorHandler: (error: unknown) =>
          this.options.logger.warn('tesseract worker reported an error', { error: String(error) }),
      });
      await this.quiet(worker).catch(async (error: unknown) => {
        await worker.terminate();
        throw error;
      });
      this.stats.created += 1;
      return { worker, jobs: 0, languages };
    } catch (error) {
      this.live -= 1;
      this.removeDirectoryWhenDone();
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
    this.removeDirectoryWhenDone();
    const next = this.waiting.shift();
    if (next) next(undefined);
  }
}
