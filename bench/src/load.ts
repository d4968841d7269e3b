/**
 * Issue 12's load: 10 clients × 5 jobs × 3 images, multipart POST /api/jobs, against the local stack
 * on SQLite (the embedded default) and on MySQL (a fresh database on TEST_MYSQL_URL's server, as in
 * production), with the same client code as the fault suite (@ocr-jobs/testing runLoad).
 *
 * Baseline: the same load, same bodies, same clients, against a bare Koa handler that parses the
 * multipart body with the same library (@koa/multer) and answers 201. It is the floor of HTTP and
 * multipart parsing on this machine at this moment, so on shared cores it tells how much of the
 * stack's p99 is the service (S3 writes, the database, the outbox) and how much the machine.
 * The OCR engine is the mock: the figure is about accepting work, not about reading it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@ocr-jobs/local-stack';
import { createEmptyDatabase, runLoad, type LoadReport } from '@ocr-jobs/testing';
import { startStack } from './stack';

export interface LoadRow {
  target: string;
  posts: number;
  accepted: number;
  serverErrors: number;
  /** Answers other than 201, by status (5xx counted above too). */
  refused: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  wallMs: number;
}

export interface LoadSection {
  shape: { clients: number; jobsPerClient: number; imagesPerJob: number };
  rows: LoadRow[];
  goal: { serverErrors: 0; p99Ms: 2000 };
  /** Per stack run: 0 5xx and p99 under the goal. */
  met: Record<string, boolean>;
}

const SHAPE = { clients: 10, jobsPerClient: 5, imagesPerJob: 3 };

const BARE_MULTIPART = `
const Koa = require('koa');
const multer = require('@koa/multer');
const { randomUUID } = require('node:crypto');
const upload = multer({ storage: multer.memoryStorage() }).array('images', 50);
const app = new Koa();
app.use(async (ctx) => {
  await upload(ctx, async () => {});
  ctx.status = 201;
  ctx.body = { id: randomUUID(), items: ctx.files.length };
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
`;

function row(target: string, report: LoadReport): LoadRow {
  const refused: Record<string, number> = {};
  for (const o of report.outcomes)
    if (o.status !== 201) refused[String(o.status)] = (refused[String(o.status)] ?? 0) + 1;
  return {
    target,
    posts: report.outcomes.length,
    accepted: report.accepted.length,
    serverErrors: report.serverErrors,
    refused,
    p50Ms: report.p50,
    p99Ms: report.p99,
    wallMs: report.wallMs,
  };
}

async function bareMultipart(): Promise<LoadRow> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', BARE_MULTIPART], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      NODE_PATH: path.resolve(__dirname, '../../node_modules'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    return row(
      'bare Koa + @koa/multer',
      await runLoad({ apiUrl: `http://127.0.0.1:${port}`, apiKey: 'none', ...SHAPE }),
    );
  } finally {
    child.kill('SIGTERM');
  }
}

async function onStack(target: string, env: Record<string, string>): Promise<LoadRow> {
  const stack = await startStack({ OCR_ENGINE: 'mock', ...env });
  try {
    return row(target, await runLoad({ apiUrl: stack.apiUrl, apiKey: stack.apiKey, ...SHAPE }));
  } finally {
    await stack.stop();
  }
}

export async function loadBench(): Promise<LoadSection> {
  const rows = [await bareMultipart(), await onStack('local stack, SQLite', {})];
  if (process.env.TEST_MYSQL_URL) {
    const database = await createEmptyDatabase('mysql');
    try {
      rows.push(await onStack('local stack, MySQL', { DATABASE_URL: database.url }));
    } finally {
      await database.drop();
    }
  }
  const goal = { serverErrors: 0, p99Ms: 2000 } as const;
  const met = Object.fromEntries(
    rows
      .filter((r) => r.target.startsWith('local stack'))
      .map((r) => [r.target, r.serverErrors === goal.serverErrors && r.p99Ms < goal.p99Ms]),
  );
  return { shape: SHAPE, rows, goal, met };
}

export function printLoad(section: LoadSection): void {
  const { clients, jobsPerClient, imagesPerJob } = section.shape;
  console.log(
    `\n6. Load: ${clients} clients × ${jobsPerClient} jobs × ${imagesPerJob} images, multipart POST /api/jobs (goal: 0 5xx, p99 < ${section.goal.p99Ms} ms)`,
  );
  console.log('target                          accepted   5xx   p50 ms   p99 ms   wall ms  goal met');
  for (const r of section.rows)
    console.log(
      `${r.target.padEnd(30)} ${`${r.accepted}/${r.posts}`.padStart(9)} ${String(r.serverErrors).padStart(5)} ${String(r.p50Ms).padStart(8)} ${String(r.p99Ms).padStart(8)} ${String(r.wallMs).padStart(9)}  ${r.target in section.met ? (section.met[r.target] ? 'yes' : 'NO') : '(baseline)'}`,
    );
  if (!process.env.TEST_MYSQL_URL) console.log('MySQL not measured: TEST_MYSQL_URL is not set');
}
