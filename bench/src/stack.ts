/**
 * The local stack as `npm start` runs it (fauxqs, dynalite, SQLite, the three services as their own
 * processes), started the way the e2e tests start it: a child process, ready when it prints the key.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from '@ocr-jobs/local-stack';

const repoRoot = path.resolve(__dirname, '../..');

export interface BenchStack {
  /** The `npm start` process; the services are its children. */
  pid: number;
  apiUrl: string;
  apiKey: string;
  /** JSON log lines of every service, as they arrive. */
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startStack(
  env: Record<string, string>,
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-bench-stack-')),
): Promise<BenchStack> {
  const ports = { api: await freePort(), fauxqs: await freePort(), dynalite: await freePort() };
  const child = spawn(process.execPath, [path.join(repoRoot, 'packages/local-stack/dist/start.js')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      PORT: String(ports.api),
      FAUXQS_PORT: String(ports.fauxqs),
      DYNALITE_PORT: String(ports.dynalite),
      DATA_DIR: dataDir,
      LOG_JSON: 'true',
      OCR_WAIT_TIME_S: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const apiKey = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack not up in 90 s:\n${output.join('\n')}`)), 90_000);
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        const json = line.slice(line.indexOf('{'));
        if (json.startsWith('{')) {
          try {
            logs.push(JSON.parse(json) as Record<string, unknown>);
          } catch {
            // a banner or a partial line
          }
        }
        const match = /API key\s+(\S+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    }
    void exited.then(() => reject(new Error(`stack exited:\n${output.join('\n')}`)));
  });
  return {
    pid: child.pid!,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    apiKey,
    logs,
    async stop() {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killer);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

interface JobDetail {
  id: string;
  status: string;
  items: Array<{ id: string; filename: string; status: string; ocr_text?: string | null }>;
}

/** POSTs one job of JPEGs and polls (every 25 ms) until it is finished; the texts in file order. Jobs of one stack run one at a time. */
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
    // The light list row (one job, no items) every 25 ms: polling the detail, with every item's text,
    // that often kept jobs-api busy enough to take CPU from the OCR it was timing.
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
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
