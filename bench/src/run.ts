/**
 * `npm run bench`: OCR throughput, accuracy, scaling, pipeline overhead, API and memory, each figure
 * beside its baseline measured in the same run. Prints a table, writes bench/results/latest.json and
 * bench/results/latest.svg. Not a test: nothing here passes or fails, the goals are reported.
 *
 * Environment:
 *   BENCH_SECTIONS  which sections run (default all: ocr,scaling,api,memory,load); the others keep their
 *                   figures from the previous latest.json
 *   BENCH_ROUNDS    copies of the pages per run (default 4: 3 generated pages → 12)
 *   BENCH_PAGES_DIR your own pages instead of the generated ones: *.jpg files, each with a .txt of its text
 *   BENCH_REPS      interleaved repetitions of bare pool, engine and end to end (default 5)
 *   BENCH_WORKERS   largest worker count (default: CPU count)
 *   BENCH_MODELS    models compared (default best,fast)
 *   BENCH_API_JOBS  jobs seeded for the API figures (default 100000)
 *   BENCH_UPLOADS   5 MB files uploaded at once for the memory figure (default 50)
 *   BENCH_WORKER_ITEMS  items for the ocr-worker RSS figure (default 500)
 *   TEST_MYSQL_URL  adds the API figures and the load section on a fresh MySQL database
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_TESSDATA_DIR, type OcrModel } from '@ocr-jobs/ocr-worker/dist/engine/models';
import { barChart } from './chart';
import {
  engineRun,
  nativeCli,
  nativeCliAvailable,
  openBarePool,
  openEngine,
  workload,
  type OcrRun,
  type OcrRunner,
} from './ocr-runs';
import { cer, generatePages, loadPages, type GeneratedPage } from './pages';
import { apiBench, uploadMemory } from './api';
import { loadBench, printLoad, type LoadSection } from './load';
import { cpuSeconds, findProcess } from './rss';
import { runJob, startStack, type BenchStack } from './stack';
import { workerMemory } from './worker-memory';

const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? 'ocr,scaling,api,memory,load').split(','));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const WORKERS = Number(process.env.BENCH_WORKERS ?? os.availableParallelism());
const MODELS = (process.env.BENCH_MODELS ?? 'best,fast').split(',') as OcrModel[];
const API_JOBS = Number(process.env.BENCH_API_JOBS ?? 100_000);
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 50);
const WORKER_ITEMS = Number(process.env.BENCH_WORKER_ITEMS ?? 500);
const RESULTS = path.resolve(__dirname, '../results');

/** Fargate, us-east-1, x86, on-demand (aws.amazon.com/fargate/pricing), and the worker task of infra/. */
const FARGATE = { vcpuHour: 0.04048, gbHour: 0.004445, taskVcpu: 2, taskGb: 4 };

type Model = OcrModel | 'native fast' | 'native best';

interface ThroughputRow extends OcrRun {
  model: Model;
  /** Median over the interleaved repetitions of (pages/min ÷ the bare pool's in the same repetition). */
  vsBare: number | null;
  /** Pages/min of each repetition. */
  reps?: number[];
}

interface Overhead {
  totalMs: number;
  ocrMs: number;
  overheadMs: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The whole pipeline as an OCR runner: one job of the pages through the local stack, POST → all DONE. */
async function openEndToEnd(
  model: OcrModel,
  warmPage: GeneratedPage,
): Promise<OcrRunner & { stack: BenchStack; worker: number }> {
  const stack = await startStack({ OCR_MODEL: model, OCR_CONCURRENCY: String(WORKERS) });
  // Warm: the worker's models load and every path is taken once before any clock starts.
  await runJob(stack, [warmPage.jpeg]);
  const worker = findProcess(stack.pid, 'ocr-worker/dist/main.js');
  return {
    stack,
    worker,
    async run(work) {
      const cpuBefore = cpuSeconds(worker);
      const job = await runJob(
        stack,
        work.map((p) => p.jpeg),
      );
      const cers = job.texts.map((t, i) => cer(t, work[i]!.text));
      return {
        name: `end to end, local stack (${model})`,
        workers: WORKERS,
        pages: work.length,
        seconds: job.seconds,
        pagesPerMin: (work.length / job.seconds) * 60,
        // The ocr-worker process only (its OCR threads included); the API and stand-ins are not counted.
        cpuPerPage: (cpuSeconds(worker) - cpuBefore) / work.length,
        meanCer: cers.reduce((a, b) => a + b, 0) / cers.length,
      };
    },
    close: async () => {
      await stack.stop();
    },
  };
}

/** One single-page job, POST → DONE, minus the OCR time the worker logged for it. */
async function pipelineOverhead(stack: BenchStack, page: GeneratedPage): Promise<Overhead> {
  const single = await runJob(stack, [page.jpeg]);
  const line = stack.logs.find((l) => l.message === 'item processed' && l.item_id === single.itemIds[0]);
  const ocrMs = Number(line?.ocr_ms ?? NaN);
  const totalMs = single.seconds * 1000;
  return { totalMs, ocrMs, overheadMs: totalMs - ocrMs };
}

/**
 * Bare pool, engine and end to end kept open side by side and run in turn, REPS times, the order
 * rotated each repetition: noise from other work on a shared machine hits all three alike, and each
 * ratio is taken within one repetition. Figures are medians.
 */
async function interleaved(
  model: OcrModel,
  work: GeneratedPage[],
): Promise<{ rows: ThroughputRow[]; overhead: Overhead }> {
  const runners: Array<[string, OcrRunner]> = [];
  try {
    runners.push(['bare', await openBarePool(WORKERS, model, DEFAULT_TESSDATA_DIR, work[0]!)]);
    runners.push(['engine', await openEngine(WORKERS, model, DEFAULT_TESSDATA_DIR, work[0]!)]);
    const e2e = await openEndToEnd(model, work[0]!);
    runners.push(['e2e', e2e]);
    const runs = new Map<string, OcrRun[]>(runners.map(([name]) => [name, []]));
    for (let rep = 0; rep < REPS; rep++) {
      for (let k = 0; k < runners.length; k++) {
        const [name, runner] = runners[(rep + k) % runners.length]!;
        runs.get(name)!.push(await runner.run(work));
      }
      console.log(
        `  ${model} repetition ${rep + 1}: ` +
          runners.map(([name]) => `${name} ${runs.get(name)!.at(-1)!.pagesPerMin.toFixed(1)}`).join(', ') +
          ' pages/min',
      );
    }
    const bare = runs.get('bare')!;
    const rows = runners.map(([name]): ThroughputRow => {
      const own = runs.get(name)!;
      const perMin = own.map((r) => r.pagesPerMin);
      const cpu = own.map((r) => r.cpuPerPage).filter((c): c is number => c !== null);
      return {
        ...own[0]!,
        seconds: median(own.map((r) => r.seconds)),
        pagesPerMin: median(perMin),
        cpuPerPage: cpu.length ? median(cpu) : null,
        meanCer: own.reduce((a, r) => a + r.meanCer, 0) / own.length,
        model,
        vsBare: median(own.map((r, i) => r.pagesPerMin / bare[i]!.pagesPerMin)),
        reps: perMin,
      };
    });
    return { rows, overhead: await pipelineOverhead(e2e.stack, work[0]!) };
  } finally {
    for (const [, runner] of runners.reverse()) await runner.close();
  }
}

const fmt = (n: number | null | undefined, digits = 1) =>
  n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);

type Results = Record<string, unknown> & {
  throughput?: ThroughputRow[];
  scaling?: Array<{ workers: number; pagesPerMin: number; efficiency: number }>;
  overhead?: Record<string, Overhead>;
  api?: Awaited<ReturnType<typeof apiBench>> | null;
  memory?: {
    uploads: Array<Awaited<ReturnType<typeof uploadMemory>>>;
    worker: Awaited<ReturnType<typeof workerMemory>>;
  };
  load?: LoadSection;
  sections?: Record<string, { at: string; loadAverage: [number, number]; settings: unknown }>;
};

function previousResults(): Results {
  try {
    return JSON.parse(fs.readFileSync(path.join(RESULTS, 'latest.json'), 'utf8')) as Results;
  } catch {
    return {};
  }
}

async function main() {
  const started = Date.now();
  const pagesDir = process.env.BENCH_PAGES_DIR;
  const pages = pagesDir ? await loadPages(pagesDir) : await generatePages();
  const work = workload(pages, ROUNDS);
  console.log(
    `bench: sections ${[...SECTIONS].join(', ')}; ${work.length} pages (${pages.map((p) => p.name).join(', ')} × ${ROUNDS}), ` +
      `${WORKERS} workers, ${REPS} interleaved repetitions, ${os.availableParallelism()} CPUs, load average ${os.loadavg()[0]!.toFixed(1)} at start`,
  );
  // Figures of the sections that run now; merged into latest.json as it is when this run ends, so
  // sections not run (or run by another bench process meanwhile) keep their figures.
  const fresh: Results = {};
  const sections: NonNullable<Results['sections']> = {};
  const ran = (name: string, loadAtStart: number, settings: unknown) => {
    sections[name] = {
      at: new Date().toISOString(),
      loadAverage: [loadAtStart, os.loadavg()[0]!],
      settings,
    };
  };

  // 1. Throughput and accuracy: bare pool vs the engine vs end to end, per model; native CLI.
  if (SECTIONS.has('ocr')) {
    const load = os.loadavg()[0]!;
    const throughput: ThroughputRow[] = [];
    const overhead: Record<string, Overhead> = {};
    for (const model of MODELS) {
      const { rows, overhead: o } = await interleaved(model, work);
      throughput.push(...rows);
      overhead[model] = o;
      console.log(`  ${model} done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    if (await nativeCliAvailable())
      for (const model of MODELS) {
        const cli = await nativeCli(work, WORKERS, model, DEFAULT_TESSDATA_DIR);
        // Not interleaved: a figure beside the pool, not a goal.
        const bare = throughput.find((r) => r.model === model && r.name.startsWith('bare'));
        throughput.push({
          ...cli,
          model: `native ${model}`,
          vsBare: bare ? cli.pagesPerMin / bare.pagesPerMin : null,
        });
      }
    fresh.throughput = throughput;
    fresh.overhead = overhead;
    ran('ocr', load, {
      rounds: ROUNDS,
      pages: work.length,
      pagesFrom: pagesDir ?? 'generated',
      reps: REPS,
      workers: WORKERS,
      models: MODELS,
    });
  }

  // 2. Scaling: the engine with 1…N workers, efficiency per core against one worker.
  if (SECTIONS.has('scaling')) {
    const load = os.loadavg()[0]!;
    const scaling: NonNullable<Results['scaling']> = [];
    const scaleWork = workload(pages, Math.max(1, Math.ceil(ROUNDS / 2)));
    let one = 0;
    for (let n = 1; n <= WORKERS; n++) {
      const run = await engineRun(scaleWork, n, 'best', DEFAULT_TESSDATA_DIR);
      if (n === 1) one = run.pagesPerMin;
      scaling.push({ workers: n, pagesPerMin: run.pagesPerMin, efficiency: run.pagesPerMin / (one * n) });
    }
    fresh.scaling = scaling;
    ran('scaling', load, { pages: scaleWork.length, workers: WORKERS });
  }

  // 4. API under load against a bare Koa handler, on SQLite and MySQL.
  if (SECTIONS.has('api')) {
    const load = os.loadavg()[0]!;
    fresh.api = await apiBench(API_JOBS, 5);
    ran('api', load, { jobs: API_JOBS, seconds: 5, clients: 8, mysql: Boolean(process.env.TEST_MYSQL_URL) });
  }

  // 5. Memory: jobs-api during parallel uploads (more files, larger files); ocr-worker over many items.
  if (SECTIONS.has('memory')) {
    const load = os.loadavg()[0]!;
    const uploads = [];
    for (const [files, mb] of [
      [UPLOADS, 5],
      [UPLOADS * 2, 5],
      [UPLOADS, 20],
    ] as const)
      uploads.push(await uploadMemory(files, mb));
    const worker = await workerMemory(WORKER_ITEMS, WORKERS);
    fresh.memory = { uploads, worker };
    ran('memory', load, { uploads: UPLOADS, workerItems: WORKER_ITEMS, workers: WORKERS });
  }

  // 6. Issue 12's concurrent load (10 clients × 5 jobs × 3 images) on both dialects beside a bare multipart handler.
  if (SECTIONS.has('load')) {
    const load = os.loadavg()[0]!;
    fresh.load = await loadBench();
    ran('load', load, { mysql: Boolean(process.env.TEST_MYSQL_URL) });
  }

  const previous = previousResults();
  const results: Results = {
    ...previous,
    ...fresh,
    sections: { ...previous.sections, ...sections },
  };
  const throughput = results.throughput ?? [];
  const scaling = results.scaling ?? [];
  const overheads = results.overhead ?? {};
  const find = (model: Model, name: string) =>
    throughput.find((r) => r.model === model && r.name.startsWith(name));

  // 7. Cost on paper, from the end-to-end best figure (the default settings).
  const basis = find('best', 'end to end') ?? find('best', 'TesseractEngine');
  const cost = basis && {
    basis: basis.name,
    pagesPerMinPerVcpu: basis.pagesPerMin / basis.workers,
    usdPer1000Pages:
      (1000 / ((basis.pagesPerMin / basis.workers) * FARGATE.taskVcpu * 60)) *
      (FARGATE.taskVcpu * FARGATE.vcpuHour + FARGATE.taskGb * FARGATE.gbHour),
    workersFor1MPagesPerDay: Math.ceil(
      1_000_000 / ((basis.pagesPerMin / basis.workers) * FARGATE.taskVcpu * 1440),
    ),
    fargate: FARGATE,
  };

  // CPU seconds per page against the bare pool's: the same comparison, by another measure.
  const cpuGoal = (name: string) => {
    const bare = find('best', 'bare')?.cpuPerPage;
    const run = find('best', name)?.cpuPerPage;
    return bare && run ? bare / run : null;
  };
  Object.assign(results, {
    at: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), loadAverageAtEnd: os.loadavg()[0], node: process.version },
    goals: {
      engineVsBare: {
        target: 0.95,
        measured: find('best', 'TesseractEngine')?.vsBare ?? null,
        byCpu: cpuGoal('TesseractEngine'),
      },
      endToEndVsBare: {
        target: 0.9,
        measured: find('best', 'end to end')?.vsBare ?? null,
        byCpu: cpuGoal('end to end'),
      },
      pipelineOverheadMs: { target: 300, measured: overheads.best?.overheadMs ?? null },
      load: results.load
        ? {
            target: 'every local-stack run: 0 5xx and p99 POST < 2000 ms',
            measured: Object.fromEntries(
              results.load.rows.map((r) => [r.target, { serverErrors: r.serverErrors, p99Ms: r.p99Ms }]),
            ),
            met: results.load.met,
          }
        : null,
    },
    cost,
  });
  delete results.settings; // replaced by the settings of each section
  delete results.notMeasured;
  delete results.seconds;

  console.log('\n1. Throughput and accuracy (same pages; bare, engine and end to end interleaved)');
  console.log(
    'run                                       workers  pages/min  vs bare  CPU s/page  mean CER  repetitions',
  );
  for (const r of throughput)
    console.log(
      `${r.name.padEnd(41)} ${String(r.workers).padStart(7)} ${fmt(r.pagesPerMin).padStart(10)} ${fmt(r.vsBare, 2).padStart(8)} ${fmt(r.cpuPerPage, 2).padStart(11)} ${(r.meanCer * 100).toFixed(2).padStart(8)}%  ${(r.reps ?? []).map((v) => v.toFixed(1)).join(' ')}`,
    );
  console.log('\n2. Scaling (TesseractEngine, best)');
  console.log('workers  pages/min  efficiency per core');
  for (const s of scaling)
    console.log(
      `${String(s.workers).padStart(7)} ${fmt(s.pagesPerMin).padStart(10)} ${fmt(s.efficiency, 2).padStart(20)}`,
    );
  console.log('\n3. Pipeline overhead (single-page job, POST → DONE minus its OCR time)');
  for (const [model, o] of Object.entries(overheads))
    console.log(
      `${model}: total ${fmt(o.totalMs, 0)} ms, OCR ${fmt(o.ocrMs, 0)} ms, overhead ${fmt(o.overheadMs, 0)} ms (goal < 300)`,
    );
  if (results.api) {
    console.log('\n4. API (8 clients, 5 s each)');
    console.log('route                                target                 req/s   p50 ms   p99 ms');
    for (const l of results.api)
      console.log(
        `${l.route.padEnd(36)} ${l.target.padEnd(20)} ${fmt(l.perSecond, 0).padStart(7)} ${fmt(l.p50Ms).padStart(8)} ${fmt(l.p99Ms).padStart(8)}`,
      );
  }
  if (results.memory && Array.isArray(results.memory.uploads)) {
    console.log('\n5. Memory');
    for (const u of results.memory.uploads)
      console.log(
        `jobs-api RSS ${fmt(u.beforeMb, 0)} MB idle, peak ${fmt(u.peakMb, 0)} MB (+${fmt(u.peakMb - u.beforeMb, 0)}) while ${u.files} × ${fmt(u.fileMb)} MB uploaded at once (${fmt(u.seconds)} s), ${fmt(u.afterMb, 0)} MB after; answers ${JSON.stringify(u.statuses)}`,
      );
    const w = results.memory.worker;
    console.log(
      `ocr-worker RSS over ${w.items} items (${w.image}, ${w.model}, ${fmt(w.seconds, 0)} s): ${fmt(w.beforeMb, 0)} MB before, peak ${fmt(w.peakMb, 0)} MB, ${fmt(w.afterMb, 0)} MB after; ${w.recycles} worker recycles, ${w.errors} empty results`,
    );
    console.log(`  RSS after each job: ${w.series.map((s) => `${s.items}: ${fmt(s.rssMb, 0)}`).join(', ')}`);
  }
  if (results.load) printLoad(results.load);
  const goals = results.goals as {
    engineVsBare: { measured: number | null; byCpu: number | null };
    endToEndVsBare: { measured: number | null; byCpu: number | null };
  };
  console.log(
    '\nGoals: engine/bare',
    fmt(goals.engineVsBare.measured, 2),
    `(by CPU/page ${fmt(goals.engineVsBare.byCpu, 2)}; goal ≥ 0.95), end to end/bare`,
    fmt(goals.endToEndVsBare.measured, 2),
    `(by worker CPU/page ${fmt(goals.endToEndVsBare.byCpu, 2)}; goal ≥ 0.90)`,
  );
  if (cost)
    console.log(
      `Cost on paper (${cost.basis}): ${fmt(cost.pagesPerMinPerVcpu)} pages/min per vCPU → $${cost.usdPer1000Pages.toFixed(4)} per 1,000 pages, ${cost.workersFor1MPagesPerDay} worker tasks (2 vCPU) for 1M pages/day`,
    );

  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  const models: Model[] = ['best', 'fast', 'native best', 'native fast'];
  // The OCR section's own settings: it may have run in an earlier invocation than this one.
  const ocrSettings = results.sections?.ocr?.settings as { pages: number; reps: number } | undefined;
  fs.writeFileSync(
    path.join(RESULTS, 'latest.svg'),
    barChart(
      `OCR pages/min on ${os.availableParallelism()} shared cores (${ocrSettings?.pages ?? '?'} pages; median of ${ocrSettings?.reps ?? '?'}; CER in brackets)`,
      'pages/min',
      [
        ...models.map((model) => ({
          heading: model.startsWith('native')
            ? `native tesseract CLI (${model.slice(7)})`
            : `model: ${model}`,
          bars: throughput
            .filter((r) => r.model === model)
            .map((r) => ({
              label: r.name,
              value: r.pagesPerMin,
              note: `(${r.vsBare !== null && !model.startsWith('native') ? `${r.vsBare.toFixed(2)}× bare, ` : ''}CER ${(r.meanCer * 100).toFixed(1)}%)`,
            })),
        })),
        {
          heading: 'scaling: TesseractEngine best, by workers',
          bars: scaling.map((s) => ({
            label: `${s.workers} worker(s)`,
            value: s.pagesPerMin,
            note: `(efficiency ${s.efficiency.toFixed(2)})`,
          })),
        },
      ].filter((g) => g.bars.length > 0),
    ),
  );
  console.log(
    `\nwrote ${path.join(RESULTS, 'latest.json')} and latest.svg in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
