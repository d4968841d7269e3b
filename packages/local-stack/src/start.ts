/**
 * `npm start`: the whole system on one machine, no AWS account. Starts the stand-ins (fauxqs for S3
 * and SQS, dynalite for DynamoDB), creates the resources from the shared definition, migrates the
 * SQLite database under .data/, registers an API key, and runs the three services as separate
 * processes with prefixed, readable output. Ctrl-C or SIGTERM stops everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { z } from 'zod';
import { physicalNames } from '@ocr-jobs/contracts';
import { createApiKey, createDatabase, migrate } from '@ocr-jobs/db';
import { createAwsClients, env, loadConfigOrExit } from '@ocr-jobs/runtime';
import { startDynalite, startFauxqs, type Emulator } from './emulators';
import { provisionResources } from './provision';
import { formatLogLine } from './log-format';

const repoRoot = path.resolve(__dirname, '../../..');
// Node 20 is supported here; the images run Node 24. The SDK's notice about Node 22 is noise locally.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const config = loadConfigOrExit(
  z.object({
    PORT: env.port(3000),
    FAUXQS_PORT: env.port(4566),
    DYNALITE_PORT: env.port(4567),
    DATA_DIR: z.string().min(1).default(path.join(repoRoot, '.data')),
    DEV_API_KEY: env.optionalString(),
    RESOURCE_PREFIX: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,40}$/)
      .default('ocr-jobs-local'),
    LOG_LEVEL: z.string().default('info'),
    /** Raw JSON log lines instead of the readable form. */
    LOG_JSON: env.bool(false),
  }),
);

const SERVICES = ['jobs-api', 'ocr-worker', 'audit-logger'] as const;
const COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[32m', '\x1b[34m'];
const RESET = '\x1b[0m';
const useColor = process.stdout.isTTY;

function prefixed(name: string, index: number) {
  const label = `[${name}]`.padEnd(15);
  return useColor ? `${COLORS[index % COLORS.length]}${label}${RESET}` : label;
}

function pipeOutput(child: ChildProcess, name: string, index: number) {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on('line', (line) => {
      console.log(`${prefixed(name, index)} ${config.LOG_JSON ? line : formatLogLine(line)}`);
    });
  }
}

const children: ChildProcess[] = [];
const emulators: Emulator[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  console.log(`${prefixed('local-stack', 3)} stopping…`);
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          // Longer than any service's own shutdown timeout, so SIGKILL is only for a hung process.
          const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  await Promise.all(emulators.map((e) => e.stop()));
  console.log(`${prefixed('local-stack', 3)} stopped`);
  process.exit(code);
}

/** The key to register: DEV_API_KEY, else the one an earlier start saved; undefined lets createApiKey make one. */
function existingDevKey(file: string): string | undefined {
  if (config.DEV_API_KEY) return config.DEV_API_KEY;
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
}

async function waitForApi(healthUrl: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      if ((await fetch(healthUrl)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the API did not answer ${healthUrl} within ${timeoutMs / 1000} s`);
}

async function main() {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  const say = (message: string) => console.log(`${prefixed('local-stack', 3)} ${message}`);

  fs.mkdirSync(config.DATA_DIR, { recursive: true });
  const fauxqs = await startFauxqs({ port: config.FAUXQS_PORT });
  emulators.push(fauxqs);
  const dynalite = await startDynalite({
    port: config.DYNALITE_PORT,
    dataDir: path.join(config.DATA_DIR, 'dynamodb'),
  });
  emulators.push(dynalite);
  say(`fauxqs (S3 + SQS) on ${fauxqs.endpoint}, dynalite (DynamoDB) on ${dynalite.endpoint}`);

  const serviceEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    LOG_LEVEL: config.LOG_LEVEL,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_S3: fauxqs.endpoint,
    AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    RESOURCE_PREFIX: config.RESOURCE_PREFIX,
    DATABASE_URL: `sqlite:${path.join(config.DATA_DIR, 'ocr-jobs.sqlite')}`,
    PORT: String(config.PORT),
    // Shorter long polls than in AWS: the worker finishes its poll before it stops, so Ctrl-C stays quick.
    OCR_WAIT_TIME_S: process.env.OCR_WAIT_TIME_S ?? '5',
    WEBHOOK_WAIT_TIME_S: process.env.WEBHOOK_WAIT_TIME_S ?? '5',
    // Receivers on this machine (http://localhost:…) are what local development delivers to.
    WEBHOOK_ALLOW_HTTP: process.env.WEBHOOK_ALLOW_HTTP ?? 'true',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: process.env.WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? 'true',
  };

  const clients = createAwsClients({
    region: serviceEnv.AWS_REGION as string,
    s3ForcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoints: { s3: fauxqs.endpoint, sqs: fauxqs.endpoint, dynamodb: dynalite.endpoint },
    // Provisioning is the local stand-in for `pulumi up`, not a service's call.
    recordCalls: false,
  });
  const resources = await provisionResources(clients, physicalNames(config.RESOURCE_PREFIX));
  clients.destroy();
  say(
    `bucket ${resources.bucket}, queues ${Object.values(resources.queueUrls).join(', ')}, table ${resources.auditTable}`,
  );

  const db = createDatabase({ url: serviceEnv.DATABASE_URL as string });
  const applied = await migrate(db);
  say(applied.length ? `database migrated: ${applied.join(', ')}` : 'database up to date');
  const keyFile = path.join(config.DATA_DIR, 'dev-api-key');
  const { key } = await createApiKey({
    tenant: 'local',
    name: 'local development',
    key: existingDevKey(keyFile),
  });
  if (!config.DEV_API_KEY) fs.writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  await db.close();

  SERVICES.forEach((name, index) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'services', name, 'dist/main.js')], {
      cwd: repoRoot,
      env: serviceEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    pipeOutput(child, name, index);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      say(`${name} exited (${signal ?? `code ${code}`}); stopping the stack`);
      void stopAll(1);
    });
  });

  say('waiting for the API to answer…');
  // The banner is the signal that the stack is usable: print it once the API answers.
  await waitForApi(`http://127.0.0.1:${config.PORT}/healthz`);
  const url = `http://localhost:${config.PORT}`;
  say('');
  say(`web page ${url}/   (enter the key below)`);
  say(`API      ${url}/api   (docs: ${url}/docs)`);
  say(`API key  ${key}`);
  say(`CLI      OCR_API_URL=${url} OCR_API_KEY=${key} npx ocr-jobs submit ./scans --wait --out ./texts`);
  say(`try      curl -H 'x-api-key: ${key}' -F name=demo -F images=@scan.png ${url}/api/jobs`);
  say('Ctrl-C stops everything.');
}

main().catch((error: unknown) => {
  console.error('local stack failed to start:', error);
  void stopAll(1);
});
