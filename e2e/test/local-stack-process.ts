import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from '@ocr-jobs/local-stack';

export const repoRoot = path.resolve(__dirname, '../..');

export interface RunningStack {
  child: ChildProcess;
  apiUrl: string;
  apiKey: string;
  ports: { api: number; fauxqs: number; dynalite: number; s3: number };
  dataDir: string;
  output: string[];
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `npm start`'s entry point as a real process and waits until it prints the API key. */
export async function startLocalStack(
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<RunningStack> {
  const ports = {
    api: await freePort(),
    fauxqs: await freePort(),
    dynalite: await freePort(),
    s3: await freePort(),
  };
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-jobs-e2e-'));
  const child = spawn(process.execPath, [path.join(repoRoot, 'packages/local-stack/dist/start.js')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      PORT: String(ports.api),
      FAUXQS_PORT: String(ports.fauxqs),
      DYNALITE_PORT: String(ports.dynalite),
      S3_PORT: String(ports.s3),
      DATA_DIR: dataDir,
      LOG_JSON: 'true',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const apiKey = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no API key printed within 60 s:\n${output.join('\n')}`)),
      60_000,
    );
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        const match = /API key\s+(\S+)/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1] as string);
        }
      });
    }
    void exited.then((code) => reject(new Error(`local stack exited with ${code}:\n${output.join('\n')}`)));
  });
  return {
    child,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    apiKey,
    ports,
    dataDir,
    output,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls until `probe` resolves truthy or the time is up. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  stepMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
