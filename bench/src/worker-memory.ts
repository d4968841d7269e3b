/**
 * ocr-worker RSS over many items: jobs of small one-line images through the local stack with real
 * tesseract and the default pool settings (workers recycled after OCR_WORKER_MAX_JOBS jobs or above
 * OCR_WORKER_MAX_RSS_MB), the worker process's RSS sampled throughout and read after every job.
 */
import { renderText } from '@ocr-jobs/testing';
import sharp from 'sharp';
import { findProcess, rssMb, sampleRss } from './rss';
import { runJob, startStack } from './stack';

export interface WorkerMemory {
  items: number;
  model: string;
  /** Size of the images, so the figure can be reproduced. */
  image: string;
  seconds: number;
  beforeMb: number;
  peakMb: number;
  afterMb: number;
  /** RSS after each job, with the items done so far. */
  series: Array<{ items: number; rssMb: number }>;
  /** 'recycling tesseract worker' lines the worker logged. */
  recycles: number;
  errors: number;
}

const ITEMS_PER_JOB = 50; // MAX_FILES

export async function workerMemory(items: number, workers: number): Promise<WorkerMemory> {
  const images = await Promise.all(
    Array.from({ length: ITEMS_PER_JOB }, async (_, i) =>
      sharp(await renderText(`Invoice ${4700 + i} paid in full on ${(i % 28) + 1} March`, { dpi: 200 }))
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 85 })
        .toBuffer(),
    ),
  );
  const { width, height } = await sharp(images[0]).metadata();
  const stack = await startStack({ OCR_CONCURRENCY: String(workers) });
  try {
    await runJob(stack, [images[0]!]); // warm: the models load before the first reading
    const worker = findProcess(stack.pid, 'ocr-worker/dist/main.js');
    const stop = sampleRss(worker);
    const series: WorkerMemory['series'] = [];
    const started = performance.now();
    let errors = 0;
    for (let done = 0; done < items; done += ITEMS_PER_JOB) {
      const job = await runJob(stack, images.slice(0, Math.min(ITEMS_PER_JOB, items - done)));
      errors += job.texts.filter((t) => t === '').length;
      series.push({ items: done + job.texts.length, rssMb: rssMb(worker) });
    }
    const seconds = (performance.now() - started) / 1000;
    const recycles = stack.logs.filter((l) =>
      String(l.message).startsWith('recycling tesseract worker'),
    ).length;
    return {
      items,
      model: 'best (default)',
      image: `${width}×${height} JPEG, one line of text`,
      seconds,
      ...stop(),
      series,
      recycles,
      errors,
    };
  } finally {
    await stack.stop();
  }
}
