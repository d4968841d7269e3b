/**
 * `npm start`: the whole system on one machine, no AWS account. Starts the stand-ins (s3rver for S3,
 * on disk; fauxqs for SQS; dynalite for DynamoDB, on disk), creates the resources from the shared definition, migrates the
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
import {
  createAwsClients,
  declaredLanguages,
  env,
  loadConfigOrExit,
  ocrLanguageConfigFields,
} from '@ocr-jobs/runtime';
import { startDynalite, startFauxqs, startS3rver, type Emulator } from './emulators';
import { provisionResources } from './provision';
import { formatLogLine } from './log-format';
import { Supervisor } from './supervisor';
import { sweepAbandonedMultipart } from './orphan-sweep';

const repoRoot = path.resolve(__dirname, '../../..');
// Node 20 is supported here; the images run Node 24. The SDK's notice about Node 22 is noise locally.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const config = loadConfigOrExit(
  z.object({
    PORT: env.port(3000),
    FAUXQS_PORT: env.port(4566),
    /** s3rver, the local S3 (objects on disk under DATA_DIR/s3). */
    S3_PORT: env.port(4568),
    DYNALITE_PORT: env.port(4567),
    DATA_DIR: z.string().min(1).default(path.join(repoRoot, '.data')),
    /** The embedded default is SQLite under DATA_DIR; a mysql:// URL runs the stack on MySQL instead. */
    DATABASE_URL: env.optionalString(),
    DEV_API_KEY: env.optionalString(),
    RESOURCE_PREFIX: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,40}$/)
      .default('ocr-jobs-local'),
    LOG_LEVEL: z.string().default('info'),
    /** How often the local S3 is swept (jobs-api: objects no row owns, unused uploads; here: multipart leftovers). */
    ORPHAN_SWEEP_INTERVAL_MS: env.int(600_000, 1_000, 86_400_000),
    /** Only objects older than this are swept (longer than any upload request and presigned URL). */
    ORPHAN_MIN_AGE_MS: env.int(3_600_000, 0, 30 * 86_400_000),
    /** Raw JSON log lines instead of the readable form. */
    LOG_JSON: env.bool(false),
    // The services read these too: unset OCR_LANGUAGES means the languages this machine has.
    ...ocrLanguageConfigFields,
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

/** Services first (they stop before the stand-ins they talk to), then the stand-ins. */
const services: Supervisor[] = [];
const standIns: Supervisor[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  console.log(`${prefixed('local-stack', 3)} stopping…`);
  for (const supervisor of [...services, ...standIns]) supervisor.retire();
  await Promise.all(services.map((s) => s.stop()));
  await Promise.all(standIns.map((s) => s.stop()));
  console.log(`${prefixed('local-stack', 3)} stopped`);
  process.exit(code);
}

/**
 * Sweeps s3rver's incomplete multipart uploads now and every ORPHAN_SWEEP_INTERVAL_MS. The jobs-api
 * sweeps objects no row owns and unused uploads itself (it reads the same two settings from the env).
 */
function startMultipartSweep(bucket: string, say: (m: string) => void) {
  const sweep = () => {
    if (stopping) return;
    try {
      const removed = sweepAbandonedMultipart({
        s3DataDir: path.join(config.DATA_DIR, 's3'),
        bucket,
        minAgeMs: config.ORPHAN_MIN_AGE_MS,
      });
      if (removed.length > 0) say(`orphan sweep removed ${removed.length} incomplete multipart uploads`);
    } catch (error) {
      say(`orphan sweep failed (${String(error)}); will retry`);
    }
  };
  sweep();
  setInterval(sweep, config.ORPHAN_SWEEP_INTERVAL_MS).unref();
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
  // A stand-in that dies is started again on its port (s3rver and dynalite keep their data on disk;
  // fauxqs comes back empty, gets its queues again, and the worker's reconciler re-sends lost OCR
  // messages). If it cannot be started again, the stack stops loudly rather than answer 503s.
  const standIn = async (name: string, run: () => Promise<Emulator>, afterRestart?: () => Promise<void>) => {
    let current: Emulator | undefined;
    const supervisor = new Supervisor({
      name,
      start: async () => (current = await run()).process,
      ...(afterRestart ? { afterRestart } : {}),
      say,
      onGiveUp: (error) => {
        say(`${name} could not be restarted (${String(error)}); stopping the stack`);
        void stopAll(1);
      },
      killAfterMs: 5_000,
    });
    await supervisor.start();
    standIns.push(supervisor);
    return current as Emulator;
  };
  // Resources are provisioned below, once the endpoints are known; a restarted fauxqs needs them again.
  let provisionQueues: () => Promise<void> = async () => undefined;
  const fauxqs = await standIn(
    'fauxqs',
    () => startFauxqs({ port: config.FAUXQS_PORT }),
    () => provisionQueues(),
  );
  const dynalite = await standIn('dynalite', () =>
    startDynalite({ port: config.DYNALITE_PORT, dataDir: path.join(config.DATA_DIR, 'dynamodb') }),
  );
  const s3 = await standIn('s3rver', () =>
    startS3rver({ port: config.S3_PORT, dataDir: path.join(config.DATA_DIR, 's3') }),
  );
  say(
    `s3rver (S3, on disk) on ${s3.endpoint}, fauxqs (SQS, in memory) on ${fauxqs.endpoint}, dynalite (DynamoDB) on ${dynalite.endpoint}`,
  );

  const serviceEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    LOG_LEVEL: config.LOG_LEVEL,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    RESOURCE_PREFIX: config.RESOURCE_PREFIX,
    DATABASE_URL: config.DATABASE_URL ?? `sqlite:${path.join(config.DATA_DIR, 'ocr-jobs.sqlite')}`,
    PORT: String(config.PORT),
    // Shorter long polls than in AWS: the worker finishes its poll before it stops, so Ctrl-C stays quick.
    OCR_WAIT_TIME_S: process.env.OCR_WAIT_TIME_S ?? '5',
    // SQLite calls run on libuv's pool (4 threads by default) and a writer waiting for the lock sleeps
    // on one; headroom so the lock holder always finds a thread to commit on.
    UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16',
    // The jobs-api runs the object sweep (as in AWS) with the stack's settings.
    ORPHAN_SWEEP_INTERVAL_MS: String(config.ORPHAN_SWEEP_INTERVAL_MS),
    ORPHAN_MIN_AGE_MS: String(config.ORPHAN_MIN_AGE_MS),
    WEBHOOK_WAIT_TIME_S: process.env.WEBHOOK_WAIT_TIME_S ?? '5',
    // Receivers on this machine (http://localhost:…) are what local development delivers to.
    WEBHOOK_ALLOW_HTTP: process.env.WEBHOOK_ALLOW_HTTP ?? 'true',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: process.env.WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? 'true',
  };

  const clients = createAwsClients({
    region: serviceEnv.AWS_REGION as string,
    s3ForcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoints: { s3: s3.endpoint, sqs: fauxqs.endpoint, dynamodb: dynalite.endpoint },
    // Provisioning is the local stand-in for `pulumi up`, not a service's call.
    recordCalls: false,
  });
  const resources = await provisionResources(clients, physicalNames(config.RESOURCE_PREFIX));
  provisionQueues = async () => {
    await provisionResources(clients, physicalNames(config.RESOURCE_PREFIX));
    say(
      'fauxqs restarted empty: queues created again; queued messages were lost and are re-sent by the worker',
    );
  };
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
  startMultipartSweep(resources.bucket, say);

  // A service that crashes is started again with backoff; the others keep running.
  for (const [index, name] of SERVICES.entries()) {
    const supervisor = new Supervisor({
      name,
      start: async () => {
        const child = spawn(process.execPath, [path.join(repoRoot, 'services', name, 'dist/main.js')], {
          cwd: repoRoot,
          env: serviceEnv,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        pipeOutput(child, name, index);
        return child;
      },
      say,
      onGiveUp: (error) => {
        say(`${name} could not be restarted (${String(error)}); stopping the stack`);
        void stopAll(1);
      },
      // Longer than any service's own shutdown timeout, so SIGKILL is only for a hung process.
      killAfterMs: 30_000,
    });
    await supervisor.start();
    services.push(supervisor);
  }

  say('waiting for the API to answer…');
  // The banner is the signal that the stack is usable: print it once the API answers.
  await waitForApi(`http://127.0.0.1:${config.PORT}/healthz`);
  const url = `http://localhost:${config.PORT}`;
  say('');
  say(`web page ${url}/   (enter the key below)`);
  say(`API      ${url}/api   (docs: ${url}/docs)`);
  say(`API key  ${key}`);
  say(`languages ${languageBanner()}`);
  say(`CLI      OCR_API_URL=${url} OCR_API_KEY=${key} npx ocr-jobs submit ./scans --wait --out ./texts`);
  say(`try      curl -H 'x-api-key: ${key}' -F name=demo -F images=@scan.png ${url}/api/jobs`);
  say('Ctrl-C stops everything.');
}

/** What jobs may name in `languages` here, with each model, and how to add one. */
function languageBanner(): string {
  const languages = declaredLanguages(config)
    .map((l) => `${l.code} (${l.model})`)
    .join(', ');
  return `${languages}; default ${config.OCR_DEFAULT_LANGUAGES}. More: apt-get install tesseract-ocr-<code>, or <code>.traineddata in ${config.OCR_TESSDATA_DIR} (OCR_TESSDATA_DIR), then restart`;
}

main().catch((error: unknown) => {
  console.error('local stack failed to start:', error);
  void stopAll(1);
});
