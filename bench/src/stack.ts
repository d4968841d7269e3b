/**
 * The local stack as `npm start` runs it (s3rver, fauxqs, dynalite, SQLite, the three services as their
 * own processes), started by the same launcher as the e2e tests and the fault suite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalStack, type RunningStack } from '@ocr-jobs/local-stack';

export type BenchStack = RunningStack;

/** Starts the stack with `env` on `dataDir` (a fresh one by default); stop() also removes the directory. */
export async function startStack(
  env: Record<string, string>,
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-bench-stack-')),
): Promise<BenchStack> {
  const stack = await startLocalStack({ dataDir, env: { OCR_WAIT_TIME_S: '1', ...env } });
  return {
    ...stack,
    async stop() {
      const killer = setTimeout(() => stack.child.kill('SIGKILL'), 30_000);
      const code = await stack.stop();
      clearTimeout(killer);
      fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** How often runJob asks whether the job has finished. */
const POLL_MS = 100;

interface JobDetail {
  id: string;
  status: string;
  items: Array<{ id: string; filename: string; status: string; ocr_text?: string | null }>;
}

/** POSTs one job of JPEGs and polls (every 100 ms) until it is finished; the texts in file order. Jobs of one stack run one at a time. */
export async function runJob(
  stack: BenchStack,
  files: Buffer[],
): Promise<{ seconds: number; texts: string[]; itemIds: string[] }> {
  const headers = { 'x-api-key': stack.apiKey };
  const form = new FormData();
  form.append('name', 'bench');
  files.forEach((file, i) =>
    form.append('images', new Blob([file], { type: 'image/jpeg' }), `page-${i}.jpg`),
  );
  const started = performance.now();
  const created = await fetch(`${stack.apiUrl}/api/jobs`, { method: 'POST', headers, body: form });
  if (created.status !== 201)
    throw new Error(
      `POST /api/jobs answered ${created.status}: ${await created.text()}; the stack's last warnings: ` +
        JSON.stringify(stack.logs.filter((l) => l.level === 'warn' || l.level === 'error').slice(-3)),
    );
  const job = (await created.json()) as JobDetail;
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    // The light list row (one job, no items) every 100 ms, as a client would: each poll costs jobs-api
    // a few ms of CPU taken from the OCR being timed; at every 25 ms that was 1.5 CPU s of a 12-page
    // job (bench and API), 10 % of the two cores, against at most 50 ms of late noticing now.
    const list = (await (await fetch(`${stack.apiUrl}/api/jobs?limit=1`, { headers })).json()) as {
      data: Array<{ id: string; status: string }>;
    };
    const newest = list.data[0];
    if (newest?.id === job.id && (newest.status === 'DONE' || newest.status === 'ERROR')) {
      const seconds = (performance.now() - started) / 1000;
      const detail = (await (
        await fetch(`${stack.apiUrl}/api/jobs/${job.id}`, { headers })
      ).json()) as JobDetail;
      const byName = new Map(detail.items.map((item) => [item.filename, item]));
      const items = files.map((_, i) => byName.get(`page-${i}.jpg`)!);
      return {
        seconds,
        texts: items.map((item) => item.ocr_text ?? ''),
        itemIds: items.map((item) => item.id),
      };
    }
    if (Date.now() > deadline) throw new Error(`job ${job.id} not finished in 20 minutes`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
