import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from './emulators';

// From src/ (ts-jest maps the package to its sources) and from dist/ alike.
const packageRoot = path.resolve(__dirname, '..');
const repoRoot = path.resolve(packageRoot, '../..');

export interface RunningStack {
  child: ChildProcess;
  /** The `npm start` process; the services are its children. */
  pid: number;
  apiUrl: string;
  apiKey: string;
  ports: { api: number; fauxqs: number; dynalite: number; s3: number };
  dataDir: string;
  /** Every output line, as it arrives. */
  output: string[];
  /** The JSON log lines of every service (LOG_JSON), parsed, as they arrive. */
  logs: Array<Record<string, unknown>>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Runs `npm start`'s entry point (dist/start.js) as a real process on free ports, for the e2e tests,
 * the fault suite and the bench, and waits until it prints the API key. Needs a build.
 */
export async function startLocalStack(
  options: { dataDir?: string; env?: Record<string, string>; readyTimeoutMs?: number } = {},
): Promise<RunningStack> {
  const ports = {
    api: await freePort(),
    fauxqs: await freePort(),
    dynalite: await freePort(),
    s3: await freePort(),
  };
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-jobs-stack-'));
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const child = spawn(process.execPath, [path.join(packageRoot, 'dist/start.js')], {
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
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const apiKey = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no API key printed within ${readyTimeoutMs} ms:\n${output.join('\n')}`)),
      readyTimeoutMs,
    );
    for (const stream of [child.stdout!, child.stderr!]) {
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
          resolve(match[1] as string);
        }
      });
    }
    void exited.then((code) => reject(new Error(`local stack exited with ${code}:\n${output.join('\n')}`)));
  });
  return {
    child,
    pid: child.pid!,
    apiUrl: `http://127.0.0.1:${ports.api}`,
    apiKey,
    ports,
    dataDir,
    output,
    logs,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
