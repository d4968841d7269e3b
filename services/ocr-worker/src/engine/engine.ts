import type { OcrResultPage, PageSpans } from '@ocr-jobs/contracts';

/** What an engine read from one file. */
export interface EngineResult {
  engine: string;
  /** Pages joined by a form feed. */
  text: string;
  /** Mean page confidence, 0-100. */
  confidence: number;
  pages: OcrResultPage[];
}

/** How one item is read. */
export interface RecognizeOptions {
  /** Only these pages of a PDF or TIFF (result pages keep their numbers); absent or null: every page. */
  pages?: PageSpans | null;
  /** Languages in tesseract's form (`por+eng`); the engine's default when absent. */
  languages?: string;
}

export interface OcrEngine {
  readonly name: string;
  /**
   * Reads the (selected) pages of a file. When `signal` aborts (item timeout, shutdown) the work really stops
   * (the engine worker is terminated) and the promise rejects with the signal's reason.
   */
  recognize(file: Buffer, signal: AbortSignal, options?: RecognizeOptions): Promise<EngineResult>;
  /** Optional: prepares what items would otherwise wait for (e.g. loading models). */
  warm?(): Promise<void>;
  close(): Promise<void>;
}

export function combinePages(engine: string, pages: OcrResultPage[]): EngineResult {
  const confidence = pages.length ? pages.reduce((sum, p) => sum + p.confidence, 0) / pages.length : 0;
  return { engine, text: pages.map((p) => p.text).join('\f'), confidence, pages };
}

/** Rejects with the signal's reason as soon as it aborts; the work itself is stopped by its owner. */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The work is abandoned: its own failure (e.g. on a terminated worker) must not go unhandled.
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
