/**
 * The OCR runs the bench compares: a bare tesseract.js scheduler (the engine's limit), the worker's
 * own TesseractEngine, and the native tesseract CLI once per page.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { createScheduler, createWorker, OEM } from 'tesseract.js';
import { createLogger } from '@ocr-jobs/runtime';
import { configSchema } from '@ocr-jobs/ocr-worker/dist/config';
import { TesseractEngine } from '@ocr-jobs/ocr-worker/dist/engine/tesseract-engine';
import { TesseractPool } from '@ocr-jobs/ocr-worker/dist/engine/tesseract-pool';
import { modelLangPath, type OcrModel } from '@ocr-jobs/ocr-worker/dist/engine/models';
import { cer, type GeneratedPage } from './pages';

export interface OcrRun {
  name: string;
  workers: number;
  pages: number;
  seconds: number;
  pagesPerMin: number;
  /** CPU seconds per page of this process and its threads (null for child processes): steadier than wall time on a shared machine. */
  cpuPerPage: number | null;
  meanCer: number;
}

/** Wall and CPU time of `work`. */
export async function timed<T>(
  work: () => Promise<T>,
): Promise<{ value: T; seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return {
    value,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

export function summarise(
  name: string,
  workers: number,
  texts: string[],
  truth: string[],
  seconds: number,
  cpuSeconds: number | null,
): OcrRun {
  const cers = texts.map((t, i) => cer(t, truth[i]!));
  return {
    name,
    workers,
    pages: texts.length,
    seconds,
    pagesPerMin: (texts.length / seconds) * 60,
    cpuPerPage: cpuSeconds === null ? null : cpuSeconds / texts.length,
    meanCer: cers.reduce((a, b) => a + b, 0) / Math.max(cers.length, 1),
  };
}

/** `rounds` copies of the pages, in order. */
export function workload(pages: GeneratedPage[], rounds: number): GeneratedPage[] {
  return Array.from({ length: rounds }, () => pages).flat();
}

/** A warmed-up OCR runner kept open, so repeated runs can be interleaved with other runners. */
export interface OcrRunner {
  run(work: GeneratedPage[]): Promise<OcrRun>;
  close(): Promise<void>;
}

/** tesseract.js as its README shows it: one scheduler, `workers` workers, default options. */
export async function openBarePool(
  workers: number,
  model: OcrModel,
  tessdataDir: string,
  warmPage: GeneratedPage,
): Promise<OcrRunner> {
  const scheduler = createScheduler();
  const langPath = modelLangPath(model, tessdataDir);
  await Promise.all(
    Array.from({ length: workers }, async () =>
      scheduler.addWorker(
        await createWorker('eng', OEM.LSTM_ONLY, { langPath, cacheMethod: 'none', gzip: model === 'best' }),
      ),
    ),
  );
  // Warm: each worker reads one page before any clock starts.
  await Promise.all(Array.from({ length: workers }, () => scheduler.addJob('recognize', warmPage.jpeg)));
  return {
    async run(work) {
      const { value, seconds, cpuSeconds } = await timed(() =>
        Promise.all(work.map((p) => scheduler.addJob('recognize', p.jpeg))),
      );
      return summarise(
        `bare tesseract.js (${model})`,
        workers,
        value.map((r) => r.data.text),
        work.map((p) => p.text),
        seconds,
        cpuSeconds,
      );
    },
    close: async () => {
      await scheduler.terminate();
    },
  };
}

/** The worker's TesseractEngine (rasterise, orientation, results), no queue, S3 or database. */
export async function openEngine(
  workers: number,
  model: OcrModel,
  tessdataDir: string,
  warmPage: GeneratedPage,
): Promise<OcrRunner> {
  const pool = new TesseractPool({
    size: workers,
    maxJobsPerWorker: 1_000_000,
    maxRssBytes: 64 * 1024 ** 3,
    logger: createLogger('bench', 'warn'),
    model,
    tessdataDir,
  });
  // The worker's own defaults, as `npm start` and the deployed service run it.
  const defaults = configSchema.parse({});
  const engine = new TesseractEngine({
    pool,
    limits: {
      maxPixels: defaults.OCR_MAX_PIXELS,
      maxPages: defaults.OCR_MAX_PAGES,
      pdfDpi: defaults.OCR_PDF_DPI,
    },
    rotationMinConfidence: defaults.OCR_ROTATION_MIN_CONFIDENCE,
  });
  const never = new AbortController().signal;
  await Promise.all(Array.from({ length: workers }, () => engine.recognize(warmPage.jpeg, never)));
  return {
    async run(work) {
      const queue = work.map((p, i) => ({ p, i }));
      const texts: string[] = new Array<string>(work.length);
      const { seconds, cpuSeconds } = await timed(() =>
        Promise.all(
          Array.from({ length: workers }, async () => {
            for (let next = queue.shift(); next; next = queue.shift())
              texts[next.i] = (await engine.recognize(next.p.jpeg, never)).text;
          }),
        ),
      );
      return summarise(
        `TesseractEngine (${model})`,
        workers,
        texts,
        work.map((p) => p.text),
        seconds,
        cpuSeconds,
      );
    },
    close: () => engine.close(),
  };
}

async function once(runner: Promise<OcrRunner>, work: GeneratedPage[]): Promise<OcrRun> {
  const open = await runner;
  try {
    return await open.run(work);
  } finally {
    await open.close();
  }
}

/** One bare-pool run on a pool of its own. */
export const barePool = (work: GeneratedPage[], workers: number, model: OcrModel, tessdataDir: string) =>
  once(openBarePool(workers, model, tessdataDir, work[0]!), work);

/** One engine run on an engine of its own. */
export const engineRun = (work: GeneratedPage[], workers: number, model: OcrModel, tessdataDir: string) =>
  once(openEngine(workers, model, tessdataDir, work[0]!), work);

const run = promisify(execFile);

export async function nativeCliAvailable(): Promise<boolean> {
  return run('tesseract', ['--version']).then(
    () => true,
    () => false,
  );
}

/**
 * The native CLI started once per page (a pytesseract-style worker), `workers` at a time: Debian's
 * fast model, or the same best_int file tesseract.js reads (unpacked to a directory of its own).
 */
export async function nativeCli(
  work: GeneratedPage[],
  workers: number,
  model: OcrModel,
  tessdataDir: string,
): Promise<OcrRun> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ocr-bench-'));
  let modelDir = tessdataDir;
  if (model === 'best') {
    modelDir = path.join(dir, 'tessdata');
    await fs.mkdir(modelDir);
    const packed = await fs.readFile(path.join(modelLangPath('best', tessdataDir), 'eng.traineddata.gz'));
    await fs.writeFile(path.join(modelDir, 'eng.traineddata'), gunzipSync(packed));
  }
  const files = await Promise.all(
    work.map(async (p, i) => {
      const file = path.join(dir, `${i}.jpg`);
      await fs.writeFile(file, p.jpeg);
      return file;
    }),
  );
  const queue = files.map((f, i) => ({ f, i }));
  const texts: string[] = new Array<string>(work.length);
  const { seconds } = await timed(() =>
    Promise.all(
      Array.from({ length: workers }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const args = [next.f, '-', '-l', 'eng', '--oem', '1', '--tessdata-dir', modelDir];
          const { stdout } = await run('tesseract', args, {
            env: { ...process.env, OMP_THREAD_LIMIT: '1' },
            maxBuffer: 16 * 1024 * 1024,
          });
          texts[next.i] = stdout;
        }
      }),
    ),
  );
  await fs.rm(dir, { recursive: true, force: true });
  return summarise(
    `native tesseract CLI per page (${model})`,
    workers,
    texts,
    work.map((p) => p.text),
    seconds,
    null,
  );
}
