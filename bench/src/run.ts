/**
 * `npm run bench`: OCR throughput, accuracy, scaling and pipeline overhead, each figure beside its
 * baseline measured in the same run. Prints a table, writes bench/results/latest.json and
 * bench/results/latest.svg. Not a test: nothing here passes or fails, the goals are reported.
 *
 * Bounded (about 10 minutes on 2 cores with the defaults). Environment:
 *   BENCH_ROUNDS   copies of the 3 generated pages per run (default 4 → 12 pages)
 *   BENCH_WORKERS  largest worker count (default: CPU count)
 *   BENCH_MODELS   models compared (default best,fast)
 *   BENCH_E2E      0 skips the runs through the local stack (and the API and memory figures)
 *   BENCH_API_JOBS jobs seeded for the API figures (default 100000)
 *   BENCH_UPLOADS  5 MB files uploaded at once for the memory figure (default 50)
 *   BENCH_ONLY     `load`: only the 10×5×3 load section (section 6), merged into the existing latest.json
 *   TEST_MYSQL_URL a MySQL server: the load section also runs on a fresh database there
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_TESSDATA_DIR, type OcrModel } from '@ocr-jobs/ocr-worker/dist/engine/models';
import { barChart } from './chart';
import { barePool, engineRun, nativeCli, nativeCliAvailable, workload, type OcrRun } from './ocr-runs';
import { cer, generatePages, type GeneratedPage } from './pages';
import { apiBench } from './api';
import { cpuSeconds, findProcess, sampleRss } from './rss';
import { loadBench, printLoad, type LoadSection } from './load';
import { runJob, startStack } from './stack';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const WORKERS = Number(process.env.BENCH_WORKERS ?? os.availableParallelism());
const MODELS = (process.env.BENCH_MODELS ?? 'best,fast').split(',') as OcrModel[];
const E2E = process.env.BENCH_E2E !== '0';
const API_JOBS = Number(process.env.BENCH_API_JOBS ?? 100_000);
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 50);
const ONLY = process.env.BENCH_ONLY;
const RESULTS = path.resolve(__dirname, '../results');

/** Fargate, us-east-1, x86, on-demand (aws.amazon.com/fargate/pricing), and the worker task of infra/. */
const FARGATE = { vcpuHour: 0.04048, gbHour: 0.004445, taskVcpu: 2, taskGb: 4 };

interface ThroughputRow extends OcrRun {
  model: OcrModel | 'native fast';
  /** Pages/min divided by the bare pool's, same model, same run. */
  vsBare: number | null;
}

async function endToEnd(
  model: OcrModel,
  work: GeneratedPage[],
): Promise<{
  run: OcrRun;
  overhead: { totalMs: number; ocrMs: number; overheadMs: number };
  workerRss: { items: number; beforeMb: number; peakMb: number; afterMb: number };
}> {
  const stack = await startStack({ OCR_MODEL: model, OCR_CONCURRENCY: String(WORKERS) });
  try {
    // Warm: the worker's models load and every path is taken once before the clock starts.
    await runJob(stack, [work[0]!.jpeg]);
    const worker = findProcess(stack.pid, 'ocr-worker/dist/main.js');
    const stopRss = sampleRss(worker);
    const cpuBefore = cpuSeconds(worker);
    const job = await runJob(
      stack,
      work.map((p) => p.jpeg),
    );
    const workerCpu = cpuSeconds(worker) - cpuBefore;
    const cers = job.texts.map((t, i) => cer(t, work[i]!.text));
    const run: OcrRun = {
      name: `end to end, local stack (${model})`,
      workers: WORKERS,
      pages: work.length,
      seconds: job.seconds,
      pagesPerMin: (work.length / job.seconds) * 60,
      // The ocr-worker process only (its OCR threads included); the API and stand-ins are not counted.
      cpuPerPage: workerCpu / work.length,
      meanCer: cers.reduce((a, b) => a + b, 0) / cers.length,
    };
    // Pipeline overhead: one single-page job, POST → DONE, minus the OCR time the worker logged for it.
    const single = await runJob(stack, [work[0]!.jpeg]);
    const line = stack.logs.find((l) => l.message === 'item processed' && l.item_id === single.itemIds[0]);
    const ocrMs = Number(line?.ocr_ms ?? NaN);
    const totalMs = single.seconds * 1000;
    const workerRss = { items: work.length + 1, ...stopRss() };
    return { run, overhead: { totalMs, ocrMs, overheadMs: totalMs - ocrMs }, workerRss };
  } finally {
    await stack.stop();
  }
}

const fmt = (n: number | null | undefined, digits = 1) =>
  n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits);

const loadGoal = (load: LoadSection) => ({
  target: 'every local-stack run: 0 5xx and p99 POST < 2000 ms',
  measured: Object.fromEntries(
    load.rows.map((r) => [r.target, { serverErrors: r.serverErrors, p99Ms: r.p99Ms }]),
  ),
  met: load.met,
});

/** BENCH_ONLY=load: the load section alone, written into latest.json beside the other sections' last figures. */
async function loadOnly() {
  const file = path.join(RESULTS, 'latest.json');
  const load = await loadBench();
  printLoad(load);
  const results = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>)
    : {};
  results.load = { at: new Date().toISOString(), loadAverageAtEnd: os.loadavg()[0], ...load };
  results.goals = { ...(results.goals as object | undefined), load: loadGoal(load) };
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote the load section into ${file}`);
}

async function main() {
  if (ONLY !== undefined && ONLY !== 'load') throw new Error(`BENCH_ONLY: expected "load", got "${ONLY}"`);
  if (ONLY === 'load') return loadOnly();
  const started = Date.now();
  const pages = await generatePages();
  const work = workload(pages, ROUNDS);
  console.log(
    `bench: ${work.length} A4 pages (${pages.map((p) => p.name).join(', ')} × ${ROUNDS}), ${WORKERS} workers, ` +
      `${os.availableParallelism()} CPUs, load average ${os.loadavg()[0]!.toFixed(1)} at start`,
  );

  // 1. Throughput and accuracy: bare pool vs the engine vs end to end, per model; native CLI.
  const throughput: ThroughputRow[] = [];
  const overheads: Record<string, { totalMs: number; ocrMs: number; overheadMs: number }> = {};
  const workerRss: Record<string, { items: number; beforeMb: number; peakMb: number; afterMb: number }> = {};
  for (const model of MODELS) {
    const bare = await barePool(work, WORKERS, model, DEFAULT_TESSDATA_DIR);
    const ratio = (r: OcrRun) => r.pagesPerMin / bare.pagesPerMin;
    throughput.push({ ...bare, model, vsBare: 1 });
    const engine = await engineRun(work, WORKERS, model, DEFAULT_TESSDATA_DIR);
    throughput.push({ ...engine, model, vsBare: ratio(engine) });
    if (E2E) {
      const { run, overhead, workerRss: rss } = await endToEnd(model, work);
      throughput.push({ ...run, model, vsBare: ratio(run) });
      overheads[model] = overhead;
      workerRss[model] = rss;
    }
    console.log(`  ${model} done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  if (await nativeCliAvailable()) {
    const cli = await nativeCli(work, WORKERS);
    const bareFast = throughput.find((r) => r.model === 'fast' && r.vsBare === 1);
    throughput.push({
      ...cli,
      model: 'native fast',
      vsBare: bareFast ? cli.pagesPerMin / bareFast.pagesPerMin : null,
    });
  }

  // 2. Scaling: the engine with 1…N workers, efficiency per core against one worker.
  const scaling: Array<{ workers: number; pagesPerMin: number; efficiency: number }> = [];
  const scaleWork = workload(pages, Math.max(1, Math.ceil(ROUNDS / 2)));
  let one = 0;
  for (let n = 1; n <= WORKERS; n++) {
    const run = await engineRun(scaleWork, n, 'best', DEFAULT_TESSDATA_DIR);
    if (n === 1) one = run.pagesPerMin;
    scaling.push({ workers: n, pagesPerMin: run.pagesPerMin, efficiency: run.pagesPerMin / (one * n) });
  }

  // 4 and 5. API under load against a bare Koa handler; jobs-api memory during parallel uploads.
  const api = E2E ? await apiBench(API_JOBS, 5, UPLOADS) : undefined;
  // 6. Issue 12's concurrent load on both dialects beside a bare multipart handler.
  const load = E2E ? await loadBench() : undefined;

  // 6. Cost on paper, from the end-to-end best figure (the default settings).
  const e2eBest = throughput.find((r) => r.model === 'best' && r.name.startsWith('end to end'));
  const perVcpu =
    (e2eBest ?? throughput.find((r) => r.model === 'best' && r.name.startsWith('TesseractEngine'))!)
      .pagesPerMin / WORKERS;
  const taskPagesPerMin = perVcpu * FARGATE.taskVcpu;
  const taskHourUsd = FARGATE.taskVcpu * FARGATE.vcpuHour + FARGATE.taskGb * FARGATE.gbHour;
  const cost = {
    basis: e2eBest ? 'end to end, best' : 'TesseractEngine, best',
    pagesPerMinPerVcpu: perVcpu,
    usdPer1000Pages: (1000 / (taskPagesPerMin * 60)) * taskHourUsd,
    workersFor1MPagesPerDay: Math.ceil(1_000_000 / (taskPagesPerMin * 1440)),
    fargate: FARGATE,
  };

  // CPU seconds per page against the bare pool's: the same comparison, steadier on a shared machine.
  const cpuGoal = (name: string) => {
    const bare = throughput.find((r) => r.model === 'best' && r.vsBare === 1)?.cpuPerPage;
    const run = throughput.find((r) => r.model === 'best' && r.name.startsWith(name))?.cpuPerPage;
    return bare && run ? bare / run : null;
  };
  const goal = (name: string) =>
    throughput.find((r) => r.model === 'best' && r.name.startsWith(name))?.vsBare ?? null;
  const results = {
    at: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), loadAverageAtEnd: os.loadavg()[0], node: process.version },
    settings: { rounds: ROUNDS, pages: work.length, workers: WORKERS, models: MODELS },
    throughput,
    scaling,
    overhead: overheads,
    api: api?.loads ?? null,
    memory: { uploads: api?.upload ?? null, workerRss },
    load: load ? { at: new Date().toISOString(), ...load } : null,
    goals: {
      engineVsBare: { target: 0.95, measured: goal('TesseractEngine'), byCpu: cpuGoal('TesseractEngine') },
      endToEndVsBare: { target: 0.9, measured: goal('end to end'), byCpu: cpuGoal('end to end') },
      pipelineOverheadMs: { target: 300, measured: overheads.best?.overheadMs ?? null },
      load: load ? loadGoal(load) : null,
    },
    cost,
    notMeasured: [
      'API figures on MySQL (only SQLite, the local stack, is measured)',
      "ocr-worker RSS over 500 items (only over the end-to-end run's items)",
    ],
    seconds: (Date.now() - started) / 1000,
  };

  console.log('\n1. Throughput and accuracy (same pages, same run)');
  console.log('run                                      workers  pages/min  vs bare  CPU s/page  mean CER');
  for (const r of throughput)
    console.log(
      `${r.name.padEnd(40)} ${String(r.workers).padStart(7)} ${fmt(r.pagesPerMin).padStart(10)} ${fmt(r.vsBare, 2).padStart(8)} ${fmt(r.cpuPerPage, 2).padStart(11)} ${(r.meanCer * 100).toFixed(2).padStart(8)}%`,
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
  if (api) {
    console.log('\n4. API (8 clients, 5 s each)');
    console.log('route                                target                 req/s   p50 ms   p99 ms');
    for (const l of api.loads)
      console.log(
        `${l.route.padEnd(36)} ${l.target.padEnd(20)} ${fmt(l.perSecond, 0).padStart(7)} ${fmt(l.p50Ms).padStart(8)} ${fmt(l.p99Ms).padStart(8)}`,
      );
    const u = api.upload;
    console.log(
      `\n5. Memory: jobs-api RSS ${fmt(u.beforeMb, 0)} MB idle, peak ${fmt(u.peakMb, 0)} MB while ${u.files} × ${fmt(u.fileMb)} MB uploaded at once (${fmt(u.seconds)} s), ${fmt(u.afterMb, 0)} MB after; answers ${JSON.stringify(u.statuses)}`,
    );
  }
  for (const [model, r] of Object.entries(workerRss))
    console.log(
      `   ocr-worker RSS (${model}) over ${r.items} items: ${fmt(r.beforeMb, 0)} MB before, peak ${fmt(r.peakMb, 0)} MB, ${fmt(r.afterMb, 0)} MB after`,
    );
  if (load) printLoad(load);
  console.log(
    '\nGoals: engine/bare',
    fmt(results.goals.engineVsBare.measured, 2),
    `(by CPU/page ${fmt(results.goals.engineVsBare.byCpu, 2)}; goal ≥ 0.95), end to end/bare`,
    fmt(results.goals.endToEndVsBare.measured, 2),
    `(by worker CPU/page ${fmt(results.goals.endToEndVsBare.byCpu, 2)}; goal ≥ 0.90)`,
  );
  console.log(
    `Cost on paper (${cost.basis}): ${fmt(cost.pagesPerMinPerVcpu)} pages/min per vCPU → $${cost.usdPer1000Pages.toFixed(4)} per 1,000 pages, ${cost.workersFor1MPagesPerDay} worker tasks (2 vCPU) for 1M pages/day`,
  );
  console.log(`Not measured yet: ${results.notMeasured.join('; ')}`);

  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(
    path.join(RESULTS, 'latest.svg'),
    barChart(
      `OCR pages/min on ${os.availableParallelism()} shared cores (${work.length} A4 pages; CER in brackets)`,
      'pages/min',
      [
        ...[...MODELS, 'native fast' as const].map((model) => ({
          heading: model === 'native fast' ? 'native tesseract CLI' : `model: ${model}`,
          bars: throughput
            .filter((r) => r.model === model)
            .map((r) => ({
              label: r.name,
              value: r.pagesPerMin,
              note: `(CER ${(r.meanCer * 100).toFixed(1)}%)`,
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
    `\nwrote ${path.join(RESULTS, 'latest.json')} and latest.svg in ${results.seconds.toFixed(0)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
