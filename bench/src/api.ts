/**
 * API figures: requests/s and p50/p99 latency of GET /api/jobs/{id} (20 items) and GET /api/jobs with
 * many jobs in the database, through jobs-api on the local stack (SQLite, and MySQL when TEST_MYSQL_URL
 * is set), beside a bare Koa handler
 * answering a body of the same size from its own process (the floor of HTTP + JSON on this machine).
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, Job, JobItem, migrate } from '@ocr-jobs/db';
import { freePort } from '@ocr-jobs/local-stack';
import { createEmptyDatabase } from '@ocr-jobs/testing';
import sharp from 'sharp';
import { findProcess, sampleRss } from './rss';
import { startStack, type BenchStack } from './stack';

export interface Load {
  route: string;
  target: string;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** `concurrency` clients in a loop for `seconds`; latency percentiles over every answer. */
export async function hammer(
  route: string,
  target: string,
  url: string,
  headers: Record<string, string>,
  seconds: number,
  concurrency = 8,
): Promise<Load> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const response = await fetch(url, { headers });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return {
    route,
    target,
    requests: latencies.length,
    perSecond: latencies.length / seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

/** Jobs of tenant `local` (npm start's key) inserted in bulk; one of them with 20 DONE items. */
async function seed(url: string, jobs: number): Promise<string> {
  const db = createDatabase({ url });
  await migrate(db);
  const deadline = new Date(Date.now() + 2 * 86_400_000);
  const detailed = randomUUID();
  for (let start = 0; start < jobs; start += 5_000) {
    const rows = Array.from({ length: Math.min(5_000, jobs - start) }, (_, i) => ({
      id: start + i === 0 ? detailed : randomUUID(),
      tenant: 'local',
      name: `seeded job ${start + i}`,
      status: 'DONE' as const,
      sqs_retention_deadline: deadline,
      total_items: start + i === 0 ? 20 : 1,
      done_items: start + i === 0 ? 20 : 1,
      error_items: 0,
    }));
    await Job.bulkCreate(rows);
  }
  await JobItem.bulkCreate(
    Array.from({ length: 20 }, (_, i) => {
      const id = randomUUID();
      return {
        id,
        job_id: detailed,
        s3_key: `jobs/${detailed}/${id}.png`,
        filename: `page-${i}.png`,
        content_type: 'image/png',
        bytes: 100_000,
        status: 'DONE' as const,
        ocr_text: 'Invoice 4711 from Example Trading Ltd. Payment is due within thirty days. '.repeat(20),
        confidence: 91.5,
        pages: 1,
      };
    }),
  );
  await db.close();
  return detailed;
}

const BARE_KOA = `
const Koa = require('koa');
const body = JSON.parse(process.env.BODY);
const app = new Koa();
app.use((ctx) => { ctx.body = body; });
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
`;

async function bareKoa(body: string): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', BARE_KOA], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      BODY: body,
      NODE_PATH: path.resolve(__dirname, '../../node_modules'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

export interface UploadMemory {
  files: number;
  fileMb: number;
  seconds: number;
  /** Answers by status: 201, or the status and the start of the error body. */
  statuses: Record<string, number>;
  beforeMb: number;
  peakMb: number;
  afterMb: number;
}

/**
 * jobs-api's RSS while `files` POSTs of one incompressible PNG of about `fileMb` MB each run at once,
 * on a fresh stack (default settings: UPLOAD_CONCURRENCY files stream to S3 at once, the others wait).
 */
export async function uploadMemory(
  files: number,
  fileMb: number,
  env: Record<string, string> = {},
): Promise<UploadMemory> {
  const stack = await startStack({ OCR_ENGINE: 'mock', ...env });
  try {
    return await uploadsAtOnce(stack, files, fileMb);
  } finally {
    await stack.stop();
  }
}

async function uploadsAtOnce(stack: BenchStack, files: number, fileMb: number): Promise<UploadMemory> {
  // Grey pixels of random noise: a PNG of about side² bytes (it does not compress).
  const side = Math.round(Math.sqrt(fileMb * 1e6));
  const noise = randomBytes(side * side);
  const png = await sharp(noise, { raw: { width: side, height: side, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  const api = findProcess(stack.pid, 'jobs-api/dist/main.js');
  const stop = sampleRss(api);
  const statuses: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: files }, async (_, i) => {
      const form = new FormData();
      form.append('name', `upload ${i}`);
      form.append('images', new Blob([png], { type: 'image/png' }), 'noise.png');
      const response = await fetch(`${stack.apiUrl}/api/jobs`, {
        method: 'POST',
        headers: { 'x-api-key': stack.apiKey },
        body: form,
      });
      const answer = await response.text();
      // Reported, not thrown: on SQLite concurrent creations can be refused (503) and that is a finding.
      const key = response.status === 201 ? '201' : `${response.status} ${answer.slice(0, 120)}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { files, fileMb: png.length / 1024 / 1024, seconds, statuses, ...stop() };
}

/** The two routes under load on one database. */
async function loadRoutes(
  target: string,
  jobs: number,
  seconds: number,
  database: { url: string; dataDir: string },
): Promise<{ loads: Load[]; bodies: Array<[string, string]> }> {
  const jobId = await seed(database.url, jobs);
  const stack = await startStack({ OCR_ENGINE: 'mock', DATABASE_URL: database.url }, database.dataDir);
  try {
    const headers = { 'x-api-key': stack.apiKey };
    const loads: Load[] = [];
    const bodies: Array<[string, string]> = [];
    for (const [route, url] of [
      ['GET /api/jobs/{id} (20 items)', `${stack.apiUrl}/api/jobs/${jobId}`],
      [`GET /api/jobs (${jobs} jobs)`, `${stack.apiUrl}/api/jobs?limit=50`],
    ] as const) {
      bodies.push([route, await (await fetch(url, { headers })).text()]);
      loads.push(await hammer(route, target, url, headers, seconds));
    }
    return { loads, bodies };
  } finally {
    await stack.stop();
  }
}

/**
 * jobs-api on SQLite (the local stack) and, when TEST_MYSQL_URL is set, on a fresh MySQL database of
 * its own (dropped afterwards), then a bare Koa handler answering the same bodies.
 */
export async function apiBench(jobs: number, seconds: number): Promise<Load[]> {
  const sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-bench-api-'));
  const sqlite = await loadRoutes('jobs-api + SQLite', jobs, seconds, {
    url: `sqlite:${path.join(sqliteDir, 'ocr-jobs.sqlite')}`,
    dataDir: sqliteDir,
  });
  const loads = [...sqlite.loads];
  if (process.env.TEST_MYSQL_URL) {
    const mysql = await createEmptyDatabase('mysql');
    try {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-bench-api-'));
      loads.push(...(await loadRoutes('jobs-api + MySQL', jobs, seconds, { url: mysql.url, dataDir })).loads);
    } finally {
      await mysql.drop();
    }
  }
  for (const [route, body] of sqlite.bodies) {
    const koa = await bareKoa(body);
    try {
      loads.push(await hammer(route, 'bare Koa, same body', koa.url, {}, seconds));
    } finally {
      koa.stop();
    }
  }
  return loads;
}
