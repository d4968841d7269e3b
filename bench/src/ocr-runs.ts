/**
 * The OCR runs the bench compares: a bare tesseract.js scheduler (the engine's limit), the worker's
 * own TesseractEngine, and the native tesseract CLI once per page.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createScheduler, createWorker, OEM } from 'tesseract.js';
import { createLogger } from '@ocr-jobs/runtime';
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

function summarise(
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

/** tesseract.js as its README shows it: one scheduler, `workers` workers, default options. */
export async function barePool(
  work: GeneratedPage[],
  workers: number,
  model: OcrModel,
  tessdataDir: string,
): Promise<OcrRun> {
  const scheduler = createScheduler();
  const langPath = modelLangPath(model, tessdataDir);
  await Promise.all(
    Array.from({ length: workers }, async () =>
      scheduler.addWorker(
        await createWorker('eng', OEM.LSTM_ONLY, { langPath, cacheMethod: 'none', gzip: model === 'best' }),
      ),
    ),
  );
  // Warm: each worker reads one page before the clock starts.
  await Promise.all(work.slice(0, workers).map((p) => scheduler.addJob('recognize', p.jpeg)));
  const { value, seconds, cpuSeconds } = await timed(() =>
    Promise.all(work.map((p) => scheduler.addJob('recognize', p.jpeg))),
  );
  await scheduler.terminate();
  const texts = value.map((r) => r.data.text);
  return summarise(
    `bare tesseract.js (${model})`,
    workers,
    texts,
    work.map((p) => p.text),
    seconds,
    cpuSeconds,
  );
}

/** The worker's TesseractEngine (rasterise, orientation, results), no queue, S3 or database. */
export async function engineRun(
  work: GeneratedPage[],
  workers: number,
  model: OcrModel,
  tessdataDir: string,
): Promise<OcrRun> {
  const pool = new TesseractPool({
    size: workers,
    maxJobsPerWorker: 1_000_000,
    maxRssBytes: 64 * 1024 ** 3,
    logger: createLogger('bench', 'warn'),
    model,
    tessdataDir,
  });
  const engine = new TesseractEngine({
    pool,
    limits: { maxPixels: 50_000_000, maxPages: 50, pdfDpi: 200 },
    rotationMinConfidence: 60,
  });
  const never = new AbortController().signal;
  await Promise.all(work.slice(0, workers).map((p) => engine.recognize(p.jpeg, never)));
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
  await engine.close();
  return summarise(
    `TesseractEngine (${model})`,
    workers,
    texts,
    work.map((p) => p.text),
    seconds,
    cpuSeconds,
  );
}

const run = promisify(execFile);

export async function nativeCliAvailable(): Promise<boolean> {
  return run('tesseract', ['--version']).then(
    () => true,
    () => false,
  );
}

/** The native CLI started once per page (a pytesseract-style worker), `workers` at a time, Debian's model. */
export async function nativeCli(work: GeneratedPage[], workers: number): Promise<OcrRun> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ocr-bench-'));
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
          const { stdout } = await run('tesseract', [next.f, '-', '-l', 'eng', '--oem', '1'], {
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
    'native tesseract CLI per page (fast)',
    workers,
    texts,
    work.map((p) => p.text),
    seconds,
    null,
  );
}
