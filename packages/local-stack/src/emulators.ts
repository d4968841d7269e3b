import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

/** A stand-in server running as a child process. */
export interface Emulator {
  name: string;
  port: number;
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const packageRoot = path.resolve(__dirname, '..');

/** Asks the OS for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(
  port: number,
  child: ChildProcess,
  name: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with code ${child.exitCode} before listening on ${port}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not listen on port ${port} within ${timeoutMs} ms`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

async function startChild(
  name: string,
  args: string[],
  port: number,
  env: NodeJS.ProcessEnv,
  output: 'inherit' | 'ignore' | 'pipe',
): Promise<Emulator> {
  const child = spawn(process.execPath, args, {
    cwd: packageRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', output, output],
  });
  const emulator = { name, port, endpoint: `http://127.0.0.1:${port}`, process: child, stop: stopper(child) };
  try {
    await waitForPort(port, child, name);
  } catch (error) {
    await emulator.stop();
    throw error;
  }
  return emulator;
}

/** fauxqs: S3 and SQS on one port, in memory. */
export async function startFauxqs(
  options: { port?: number; output?: 'inherit' | 'ignore' | 'pipe' } = {},
): Promise<Emulator> {
  const port = options.port ?? (await freePort());
  return startChild(
    'fauxqs',
    [path.join(packageRoot, 'bin/fauxqs-server.mjs')],
    port,
    { FAUXQS_PORT: String(port), FAUXQS_LOGGER: 'false' },
    options.output ?? 'ignore',
  );
}

/**
 * s3rver: S3 with every object a file under `dataDir`, so uploads and results survive restarts and a
 * SIGKILL of the whole stack (fauxqs keeps S3 in memory). `npm start` uses it for S3, fauxqs for SQS.
 */
export async function startS3rver(options: {
  port?: number;
  dataDir: string;
  output?: 'inherit' | 'ignore' | 'pipe';
}): Promise<Emulator> {
  const port = options.port ?? (await freePort());
  return startChild(
    's3rver',
    [path.join(packageRoot, 'bin/s3rver-server.cjs')],
    port,
    { S3RVER_PORT: String(port), S3RVER_DIRECTORY: options.dataDir },
    options.output ?? 'ignore',
  );
}

/** dynalite: DynamoDB; kept on disk (LevelDB) when `dataDir` is given, in memory otherwise. */
export async function startDynalite(
  options: { port?: number; dataDir?: string; output?: 'inherit' | 'ignore' | 'pipe' } = {},
): Promise<Emulator> {
  const port = options.port ?? (await freePort());
  const cli = require.resolve('dynalite/cli.js');
  const args = [
    cli,
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--createTableMs',
    '0',
    '--updateTableMs',
    '0',
    '--deleteTableMs',
    '0',
  ];
  if (options.dataDir) args.push('--path', options.dataDir);
  return startChild('dynalite', args, port, {}, options.output ?? 'ignore');
}
