/**
 * `npm run bench`: OCR throughput of 1 worker against N concurrent workers (N = CPU count, or
 * BENCH_WORKERS) on generated pages, through the real engine (rasterise + tesseract.js). Prints
 * items/s, ms/page, peak RSS and the ratio to the 1-worker baseline. Bounded: BENCH_ITEMS pages a run.
 */
import os from 'node:os';
import { createLogger } from '@ocr-jobs/runtime';
import { renderText } from '@ocr-jobs/testing';
import { TesseractEngine } from '../dist/engine/tesseract-engine';
import { TesseractPool } from '../dist/engine/tesseract-pool';

const LINES = [
  'Invoice 4711 from Example Trading Ltd',
  'Delivery of 12 boxes of printer paper',
  'Payment is due within thirty days',
  'Please quote the invoice number on payment',
];

/** A page of an invoice, rendered as a scan. */
function page(n: number): Promise<Buffer> {
  return renderText(LINES.map((l) => `${l} (${n})`).join('\n'));
}

interface RunResult {
  workers: number;
  items: number;
  seconds: number;
  itemsPerSecond: number;
  msPerPage: number;
  peakRssMb: number;
}

async function run(workers: number, pages: Buffer[]): Promise<RunResult> {
  const logger = createLogger('ocr-bench', 'warn');
  const pool = new TesseractPool({
    size: workers,
    maxJobsPerWorker: 1_000,
    maxRssBytes: 64 * 1024 ** 3,
    logger,
  });
  const engine = new TesseractEngine({
    pool,
    limits: { maxPixels: 50_000_000, maxPages: 10, pdfDpi: 200 },
    rotationMinConfidence: 60,
  });
  const never = new AbortController().signal;
  // Warm up: every worker created and used once, so the timing is steady state.
  await Promise.all(pages.slice(0, workers).map((p) => engine.recognize(p, never)));
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const queue = [...pages];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await engine.recognize(next, never);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  await engine.close();
  return {
    workers,
    items: pages.length,
    seconds,
    itemsPerSecond: pages.length / seconds,
    msPerPage: (seconds * 1000) / pages.length,
    peakRssMb: Math.max(peak, process.memoryUsage.rss()) / 1024 / 1024,
  };
}

async function main() {
  const items = Number(process.env.BENCH_ITEMS ?? 12);
  const workers = Number(process.env.BENCH_WORKERS ?? os.availableParallelism());
  const pages = await Promise.all(Array.from({ length: items }, (_, i) => page(i + 1)));
  console.log(`ocr-worker bench: ${items} generated pages, ${os.availableParallelism()} CPUs`);
  const baseline = await run(1, pages);
  const parallel = workers > 1 ? await run(workers, pages) : baseline;
  console.log('workers  items  seconds  pages/s  ms/page  peak RSS MB  ratio');
  for (const r of [baseline, parallel]) {
    console.log(
      [
        String(r.workers).padStart(7),
        String(r.items).padStart(6),
        r.seconds.toFixed(2).padStart(8),
        r.itemsPerSecond.toFixed(2).padStart(8),
        r.msPerPage.toFixed(0).padStart(8),
        r.peakRssMb.toFixed(0).padStart(12),
        `${(r.itemsPerSecond / baseline.itemsPerSecond).toFixed(2)}x`.padStart(6),
      ].join(' '),
    );
  }
  console.log(
    `throughput with ${workers} workers: ${(parallel.itemsPerSecond / baseline.itemsPerSecond).toFixed(2)}x the 1-worker baseline (ideal ${workers}x)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
