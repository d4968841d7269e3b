/**
 * `npm run test:containers`: builds the three images and proves each one works, started from its own
 * entry point against the local stand-ins (fauxqs, dynalite) and a database on this machine:
 * jobs-api answers and accepts a job, ocr-worker completes it, audit-logger writes its events.
 * Uses a Docker engine when one answers, podman + buildah otherwise.
 *
 *   --skip-build   use the images already built (localhost/ocr-jobs/<service>:latest)
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { queryJobEvents } from '@ocr-jobs/audit-store';
import { createDatabase } from '@ocr-jobs/db';
import { renderText, testPng, waitFor } from '@ocr-jobs/testing';
import { freePort, startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import { buildahEngine } from './buildah-engine';
import { dockerEngine } from './docker-engine';
import type { ContainerEngine, ImageInfo, RunOptions, RunningContainer } from './engine';
import { excerpt, lastLines, mustRun, runCommand, sleep } from './processes';
import { indent, runSteps, say, summary, type Step } from './steps';

const repoRoot = path.resolve(__dirname, '../../..');
const SERVICES = ['jobs-api', 'ocr-worker', 'audit-logger'] as const;
type Service = (typeof SERVICES)[number];
const tagOf = (service: Service) => `localhost/ocr-jobs/${service}:latest`;
const dockerfileOf = (service: Service) => path.join(repoRoot, 'services', service, 'Dockerfile');
/** The base image, as the Dockerfiles name it (ARG NODE_IMAGE=…). */
const baseImage = /ARG NODE_IMAGE=(\S+)/.exec(fs.readFileSync(dockerfileOf('jobs-api'), 'utf8'))?.[1] ?? '';
const skipBuild = process.argv.includes('--skip-build');
const TENANT = 'smoke';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-jobs-smoke-'));
const logOf = (name: string) => path.join(work, `${name}.log`);

let engine: ContainerEngine;
let stack: TestStack | undefined;
let database: { url: string; mounts: string[]; drop(): Promise<void> } | undefined;
const images = new Map<Service, ImageInfo>();
const containers = new Map<Service, RunningContainer>();
let apiUrl = '';
let apiKey = '';
let job: { id: string; expectedText: string } | undefined;

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

/** What every service container gets: the stand-ins' endpoints, resource prefix, database. */
function serviceEnv(): RunOptions {
  if (!stack || !database) throw new Error('the stand-ins and the database are not up');
  return {
    network: 'host',
    env: {
      ...stack.env,
      DATABASE_URL: database.url,
      LOG_LEVEL: 'info',
      OCR_ENGINE: 'mock',
      // As infra passes it to both: the jobs-api image has no models to find the languages from.
      OCR_LANGUAGES: 'eng,por,spa,fra,deu,ita',
    },
    mounts: database.mounts,
  };
}

async function commandExists(command: string): Promise<boolean> {
  return (await runCommand('sh', ['-c', `command -v ${command}`])).code === 0;
}

/** The script that builds a local node:<major>-bookworm-slim: $CONTAINER_BASE_SCRIPT or ../shared/tools/. */
function containerBaseScript(): string {
  if (process.env.CONTAINER_BASE_SCRIPT) return process.env.CONTAINER_BASE_SCRIPT;
  for (let dir = repoRoot; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(path.dirname(dir), 'shared/tools/container-base.sh');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('no Docker engine, and container-base.sh not found (set CONTAINER_BASE_SCRIPT)');
}

async function chooseEngine(): Promise<string> {
  const docker = (await commandExists('docker')) && (await runCommand('docker', ['info'])).code === 0;
  if (docker) {
    engine = await dockerEngine(repoRoot);
    return `${engine.description} (pulls ${baseImage})`;
  }
  const podmanReady =
    (await commandExists('podman')) &&
    (await commandExists('buildah')) &&
    (await runCommand('podman', ['image', 'exists', baseImage])).code === 0;
  let base = `${baseImage} present`;
  if (!podmanReady) {
    const major = /node:(\d+)/.exec(baseImage)?.[1] ?? '24';
    const script = containerBaseScript();
    say(`      no Docker engine; building ${baseImage} with ${script} (log: ${logOf('base-image')})`);
    await mustRun('bash', [script, major], { logFile: logOf('base-image') });
    base = `${baseImage} built by ${path.basename(script)}`;
  }
  engine = await buildahEngine(repoRoot);
  return `no Docker engine; ${engine.description}, ${base}`;
}

function buildStep(service: Service): Step {
  return {
    title: `image ${service}: ${skipBuild ? 'already built (--skip-build)' : 'build'}`,
    async run() {
      if (!skipBuild) {
        say(`      log: ${logOf(`build-${service}`)}`);
        await engine.build(dockerfileOf(service), tagOf(service), logOf(`build-${service}`));
      }
      const info = await engine.inspect(tagOf(service));
      images.set(service, info);
      return `${tagOf(service)}, ${mb(info.sizeBytes)}`;
    },
  };
}

const offline: RunOptions = { network: 'none', env: {}, mounts: [] };

async function inImage(service: Service, command: string[], options = offline): Promise<string> {
  const result = await engine.run(tagOf(service), command, options);
  if (result.code !== 0)
    throw new Error(
      `${service}: \`${command.join(' ')}\` exited with ${result.code}:\n${excerpt(result.output)}`,
    );
  return result.output.trim();
}

/** What each image must load, and what it must not carry: build and test tools, and the database for audit-logger. */
const RUNTIME_MODULES: Record<Service, { loads: string[]; absent: string[] }> = {
  'jobs-api': { loads: ['sqlite3', 'mysql2', '@ocr-jobs/db', '@ocr-jobs/audit-store'], absent: [] },
  'ocr-worker': { loads: ['sqlite3', 'mysql2', '@ocr-jobs/db'], absent: [] },
  'audit-logger': {
    loads: ['@ocr-jobs/runtime', '@ocr-jobs/audit-store'],
    absent: ['@ocr-jobs/db', 'sequelize', 'sqlite3', 'mysql2'],
  },
};
const DEVELOPMENT_MODULES = [
  'typescript',
  'jest',
  'turbo',
  'fauxqs',
  'dynalite',
  '@ocr-jobs/local-stack',
  '@ocr-jobs/testing',
];

function runtimeModulesCheck(service: Service): string {
  const { loads, absent } = RUNTIME_MODULES[service];
  return `
  for (const name of ${JSON.stringify(loads)}) require(name);
  const present = ${JSON.stringify([...DEVELOPMENT_MODULES, ...absent])}.filter((name) => {
    try { require.resolve(name + '/package.json'); return true; } catch { return false; }
  });
  if (present.length) { console.error('packages that do not belong in the image: ' + present.join(', ')); process.exit(1); }`;
}

/** Sources, local settings or keys: none of them belongs in an image. */
const LEFTOVERS =
  "find /app/services /app/packages -maxdepth 2 -name src; find /app -maxdepth 4 -not -path '/app/node_modules/*' \\( -name '.env*' -o -name '.npmrc' -o -name '*.pem' -o -name '.data' \\)";

const checkImagesStep: Step = {
  title: 'images: non-root user, exec-form CMD, API HEALTHCHECK, production modules only',
  async run() {
    for (const service of SERVICES) {
      const info = images.get(service) as ImageInfo;
      if (!info.user || ['root', '0'].includes(info.user.split(':')[0] as string))
        throw new Error(`${service}: USER is "${info.user}", expected a non-root user`);
      const uid = await inImage(service, ['id', '-u']);
      if (uid === '0') throw new Error(`${service}: the command runs as uid 0`);
      if (info.entrypoint.length || info.cmd[0] !== 'node')
        throw new Error(
          `${service}: expected CMD ["node", …] in exec form (SIGTERM must reach Node), found ${JSON.stringify([...info.entrypoint, ...info.cmd])}`,
        );
      await inImage(service, ['node', '-e', runtimeModulesCheck(service)]);
      const leftovers = await inImage(service, ['sh', '-c', LEFTOVERS]);
      if (leftovers) throw new Error(`${service}: files that do not belong in the image:\n${leftovers}`);
    }
    if (images.get('jobs-api')?.healthcheck?.[0] !== 'CMD')
      throw new Error('jobs-api: no HEALTHCHECK in exec form');
    return SERVICES.map((s) => `${s} runs as ${images.get(s)?.user}`).join(', ');
  },
};

/**
 * tesseract.js reads English from the language data in the image. Any attempt to reach the network
 * fails the check: the engine runs without one where it can (docker), and in every case Node's
 * http, https and fetch are replaced by a function that throws before tesseract.js is loaded.
 */
const tesseractOfflineStep: Step = {
  title: 'image ocr-worker: tesseract.js reads eng and osd data from node_modules, network blocked',
  async run() {
    const script = `
      const blocked = (what) => () => { throw new Error('network used by tesseract.js: ' + what); };
      for (const mod of ['node:http', 'node:https']) Object.assign(require(mod), { request: blocked(mod), get: blocked(mod) });
      globalThis.fetch = blocked('fetch');
      const fs = require('node:fs');
      const { createWorker } = require('tesseract.js');
      const eng = require('@tesseract.js-data/eng');
      const osd = require('@tesseract.js-data/osd');
      for (const lang of [eng, osd]) fs.accessSync(lang.langPath + '/' + lang.code + '.traineddata' + (lang.gzip ? '.gz' : ''));
      (async () => {
        const worker = await createWorker(eng.code, 1, { langPath: eng.langPath, gzip: eng.gzip, cacheMethod: 'none' });
        const { data } = await worker.recognize(Buffer.from(process.argv[1], 'base64'));
        await worker.terminate();
        console.log('recognized ' + JSON.stringify(data.text.trim()) + ', confidence ' + data.confidence);
      })().catch((error) => { console.error(error); process.exit(1); });`;
    const output = await inImage('ocr-worker', ['node', '-e', script, testPng().toString('base64')]);
    return output.split('\n').pop();
  },
};

/**
 * The worker's own engine reads Portuguese (npm's best model) and Spanish (Debian's fast model from
 * the image's tesseract-ocr-spa) with the network blocked as above, and the worker refuses to start
 * when OCR_LANGUAGES names a language the image has no model for.
 */
const PORTUGUESE = 'Ação de manutenção: São Paulo';
const SPANISH = 'La niña pidió información';
const languagesOfflineStep: Step = {
  title:
    'image ocr-worker: reads por (npm) and spa (Debian) offline; refuses to start without a listed model',
  async run() {
    const script = `
      const blocked = (what) => () => { throw new Error('network used by tesseract.js: ' + what); };
      for (const mod of ['node:http', 'node:https']) Object.assign(require(mod), { request: blocked(mod), get: blocked(mod) });
      globalThis.fetch = blocked('fetch');
      const { loadableLanguages, createLogger } = require('@ocr-jobs/runtime');
      const { TesseractPool } = require('./services/ocr-worker/dist/engine/tesseract-pool');
      const { TesseractEngine } = require('./services/ocr-worker/dist/engine/tesseract-engine');
      const languages = loadableLanguages({ OCR_LANGUAGES: ['por', 'spa'], OCR_DEFAULT_LANGUAGES: 'por', OCR_MODEL: 'best', OCR_TESSDATA_DIR: '/usr/share/tesseract-ocr/5/tessdata' });
      const pool = new TesseractPool({ size: 1, maxJobsPerWorker: 10, maxRssBytes: 8e9, logger: createLogger('smoke', 'error'), languages, defaultLanguages: 'por' });
      const engine = new TesseractEngine({ pool, limits: { maxPixels: 2e7, maxPages: 2, pdfDpi: 150 }, rotationMinConfidence: 60 });
      (async () => {
        const never = new AbortController().signal;
        const por = await engine.recognize(Buffer.from(process.argv[1], 'base64'), never, { languages: 'por' });
        const spa = await engine.recognize(Buffer.from(process.argv[2], 'base64'), never, { languages: 'spa' });
        await engine.close();
        console.log(JSON.stringify({ models: languages.map((l) => l.code + ':' + l.model), por: por.text.trim(), spa: spa.text.trim() }));
      })().catch((error) => { console.error(error); process.exit(1); });`;
    const images = [await renderText(PORTUGUESE), await renderText(SPANISH)].map((b) => b.toString('base64'));
    const output = await inImage('ocr-worker', ['node', '-e', script, ...images]);
    const read = JSON.parse(output.split('\n').pop() as string) as {
      models: string[];
      por: string;
      spa: string;
    };
    if (read.por !== PORTUGUESE || read.spa !== SPANISH || read.models.join() !== 'por:best,spa:fast')
      throw new Error(
        `expected ${JSON.stringify([PORTUGUESE, SPANISH])} from por:best and spa:fast, got ${output}`,
      );
    const refused = await engine.run(tagOf('ocr-worker'), ['node', 'services/ocr-worker/dist/main.js'], {
      ...offline,
      env: { OCR_LANGUAGES: 'eng,por,nld' },
    });
    if (refused.code === 0 || !refused.output.includes('OCR_LANGUAGES: no model for nld'))
      throw new Error(
        `expected the worker to refuse OCR_LANGUAGES=eng,por,nld; it exited ${refused.code}:\n${excerpt(refused.output)}`,
      );
    return `${read.models.join(', ')} read exactly; OCR_LANGUAGES=eng,por,nld refused: ${refused.output.split('\n').find((line) => line.includes('OCR_LANGUAGES'))}`;
  },
};

const standInsStep: Step = {
  title: 'stand-ins on the host: fauxqs (S3 + SQS), dynalite (DynamoDB), resources provisioned',
  async run() {
    stack = await startTestStack();
    return `prefix ${stack.names.bucket.replace(/-files$/, '')}, S3/SQS ${stack.fauxqs.endpoint}, DynamoDB ${stack.dynalite.endpoint}`;
  },
};

/** MySQL (a fresh database on TEST_MYSQL_URL's server, as in CI) or a SQLite file in a mounted directory. */
const databaseStep: Step = {
  title: `database: ${process.env.TEST_MYSQL_URL ? 'a fresh MySQL database (TEST_MYSQL_URL)' : 'SQLite in a directory mounted into the containers'}`,
  async run() {
    const serverUrl = process.env.TEST_MYSQL_URL;
    if (!serverUrl) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-jobs-smoke-db-'));
      fs.chmodSync(dir, 0o777); // the containers' non-root user writes the file, its journal and WAL here
      const url = `sqlite:${path.join(dir, 'ocr-jobs.sqlite')}`;
      database = { url, mounts: [dir], drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
      return url;
    }
    const name = `ocr_smoke_${randomBytes(4).toString('hex')}`;
    const admin = createDatabase({ url: serverUrl });
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    database = {
      url: url.toString(),
      mounts: [],
      async drop() {
        await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await admin.close();
      },
    };
    return `${url.toString()} (empty)`;
  },
};

/**
 * The deploy's migration task (infra/ runs this command in the jobs-api image before the services
 * change; keep it in step with infra's default migrationCommand) migrates the empty database.
 */
const MIGRATION_COMMAND = ['node', '-e', "require('@ocr-jobs/db/dist/migrate-main.js').main()"];

const migrationStep: Step = {
  title: "database: migrated by the deploy's migration command in the jobs-api image",
  async run() {
    if (!database) throw new Error('no database');
    await inImage('jobs-api', MIGRATION_COMMAND, serviceEnv());
    const db = createDatabase({ url: database.url });
    try {
      const [rows] = await db.query('SELECT COUNT(*) AS n FROM jobs');
      return `tables in place (jobs: ${(rows as { n: number }[])[0]?.n} rows)`;
    } finally {
      await db.close();
    }
  },
};

async function startContainer(service: Service, extraEnv: Record<string, string> = {}) {
  const options = serviceEnv();
  const container = await engine.start(
    tagOf(service),
    `ocr-jobs-smoke-${service}-${randomBytes(3).toString('hex')}`,
    {
      ...options,
      env: { ...options.env, ...extraEnv },
    },
  );
  containers.set(service, container);
  return container;
}

function exitedError(service: Service, container: RunningContainer): Error {
  return new Error(
    `${service} exited with code ${container.exitCode()}; its output:\n${lastLines(container.output, 25)}`,
  );
}

const apiStep: Step = {
  title:
    'container jobs-api: /healthz and /readyz answer 200, HEALTHCHECK passes, the web page is served at /',
  async run() {
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    const api = await startContainer('jobs-api', { PORT: String(port) });
    await waitFor(
      'GET /healthz answers 200',
      async () => {
        if (api.exitCode() !== undefined) throw exitedError('jobs-api', api);
        return (await fetch(`${apiUrl}/healthz`)).status;
      },
      { timeoutMs: 120_000, intervalMs: 500, until: (status) => status === 200 },
    );
    const ready = await waitFor(
      'GET /readyz answers 200',
      async () => {
        const response = await fetch(`${apiUrl}/readyz`);
        return { status: response.status, body: await response.text() };
      },
      { timeoutMs: 60_000, intervalMs: 500, until: (r) => r.status === 200 },
    );
    const healthcheck = (images.get('jobs-api')?.healthcheck ?? []).slice(1);
    const options = serviceEnv();
    await inImage('jobs-api', healthcheck, { ...options, env: { ...options.env, PORT: String(port) } });
    // The image carries packages/web/dist; without it / answers 404 PAGE_NOT_BUILT.
    const page = await fetch(`${apiUrl}/`);
    const html = await page.text();
    if (page.status !== 200 || !page.headers.get('content-security-policy') || !html.includes('app.js'))
      throw new Error(`GET / answered ${page.status}, not the web page: ${html.slice(0, 200)}`);
    return `${apiUrl}; readyz ${ready.body}; / serves the web page`;
  },
};

const consumersStep: Step = {
  title: 'containers ocr-worker and audit-logger: start and keep running, no errors',
  async run() {
    const started = [await startContainer('ocr-worker'), await startContainer('audit-logger')];
    await sleep(8_000);
    const notes: string[] = [];
    for (const [index, service] of (['ocr-worker', 'audit-logger'] as const).entries()) {
      const container = started[index] as RunningContainer;
      if (container.exitCode() !== undefined) throw exitedError(service, container);
      const errors = container.output.filter((line) => /"level":"error"/.test(line));
      if (errors.length) throw new Error(`${service} logged errors:\n${lastLines(errors, 10)}`);
      const first = container.output.find((line) => line.includes('{'));
      notes.push(
        `${service}: ${first ? (JSON.parse(first.slice(first.indexOf('{'))).message ?? first) : 'running, nothing logged yet'}`,
      );
    }
    return notes.join('; ');
  },
};

const apiKeyStep: Step = {
  title: 'full flow: create an API key with the CLI in the jobs-api image',
  async run() {
    const command = [
      'node',
      'services/jobs-api/dist/cli/apikey.js',
      'create',
      '--tenant',
      TENANT,
      '--name',
      'container smoke test',
    ];
    const output = await inImage('jobs-api', command, serviceEnv());
    apiKey = output.split(/\s+/).pop() ?? '';
    if (apiKey.length < 16)
      throw new Error(`expected the key as the last word of the output, got:\n${output}`);
    return `key for tenant ${TENANT} (${apiKey.slice(0, 6)}…)`;
  },
};

const createJobStep: Step = {
  title: 'full flow: POST /api/jobs (multipart name + images) answers 201',
  async run() {
    const png = testPng();
    const form = new FormData();
    form.append('name', 'container smoke test');
    form.append('images', new Blob([png], { type: 'image/png' }), 'smoke.png');
    const response = await fetch(`${apiUrl}/api/jobs`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey },
      body: form,
    });
    const body = await response.text();
    if (response.status !== 201) throw new Error(`expected 201, got ${response.status}: ${body}`);
    const created = JSON.parse(body) as { id?: string; items?: unknown[] };
    if (!created.id) throw new Error(`the answer has no job id: ${body}`);
    job = {
      id: created.id,
      expectedText: `OK_${createHash('sha256').update(png).digest('hex').slice(0, 12)}`,
    };
    return `job ${created.id}, ${created.items?.length ?? '?'} item(s)`;
  },
};

interface JobDetail {
  status: string;
  items: { status: string; ocr_text?: string | null; error_msg?: string | null }[];
}

const workerStep: Step = {
  title: 'full flow: the ocr-worker container completes the job (OCR_ENGINE=mock)',
  async run() {
    if (!job) throw new Error('no job was created');
    const { id, expectedText } = job;
    const { body: detail } = await waitFor(
      `job ${id} reaches DONE or ERROR`,
      async () => {
        const response = await fetch(`${apiUrl}/api/jobs/${id}`, { headers: { 'x-api-key': apiKey } });
        return { status: response.status, body: (await response.json()) as JobDetail };
      },
      {
        timeoutMs: 180_000,
        intervalMs: 500,
        until: (r) => r.status === 200 && ['DONE', 'ERROR'].includes(r.body.status),
      },
    );
    const item = detail.items[0];
    if (detail.status !== 'DONE' || item?.status !== 'DONE')
      throw new Error(`job ${detail.status}, item ${item?.status}: ${item?.error_msg ?? ''}`);
    if (item.ocr_text !== expectedText)
      throw new Error(
        `item text is ${JSON.stringify(item.ocr_text)}, expected ${expectedText} (sha256 of the file)`,
      );
    return `job DONE, item text ${item.ocr_text}`;
  },
};

const auditStep: Step = {
  title: "full flow: the audit-logger container writes the job's events to DynamoDB",
  async run() {
    if (!job || !stack) throw new Error('no job was created');
    const { id } = job;
    const expected = ['job.created', 'item.done', 'job.finished'];
    const table = stack.names.auditTable;
    const actions = await waitFor(
      `events ${expected.join(', ')} of job ${id} in table ${table}`,
      async () => {
        const page = await queryJobEvents((stack as TestStack).clients.dynamodbDocument, table, id, {
          limit: 100,
        });
        return page.data.map((event): string => event.action);
      },
      { timeoutMs: 90_000, intervalMs: 500, until: (seen) => expected.every((a) => seen.includes(a)) },
    );
    return actions.join(', ');
  },
};

const stopStep: Step = {
  title: 'containers stop on SIGTERM with exit code 0',
  always: true,
  async run() {
    if (!containers.size) return 'none was started';
    // All at once, as a deploy or scale-in stops them; each within the 30 s ECS gives by default.
    const stopped = await Promise.all(
      [...containers].map(async ([service, container]) => {
        const started = Date.now();
        const code = await container.stop(30_000);
        return { service, container, code, seconds: ((Date.now() - started) / 1000).toFixed(1) };
      }),
    );
    const results = stopped.map(({ service, code, seconds }) => `${service} exit ${code} in ${seconds} s`);
    const failures = stopped
      .filter(({ code }) => code !== 0)
      .map(
        ({ service, container, code }) =>
          `${service}: ${code === null ? 'still running after 30 s, killed' : `exit code ${code}`}\n${indent(lastLines(container.output, 8), '  ')}`,
      );
    if (failures.length) throw new Error(failures.join('\n'));
    return results.join(', ');
  },
};

async function cleanUp() {
  for (const container of containers.values()) await container.remove().catch(() => undefined);
  containers.clear();
  await stack?.stop().catch(() => undefined);
  await database?.drop().catch(() => undefined);
}

function containerOutput(): string {
  return [...containers]
    .map(
      ([service, c]) =>
        `    last lines of ${service}:\n${indent(lastLines(c.output, 20) || '(nothing)', '      ')}`,
    )
    .join('\n');
}

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started = Date.now();
  process.on('SIGINT', () => void cleanUp().finally(() => process.exit(130)));
  say(`ocr-jobs container smoke test (logs in ${work})`);
  const steps: Step[] = [
    { title: 'container engine and base image', run: chooseEngine },
    ...SERVICES.map(buildStep),
    checkImagesStep,
    tesseractOfflineStep,
    languagesOfflineStep,
    standInsStep,
    databaseStep,
    migrationStep,
    apiStep,
    consumersStep,
    apiKeyStep,
    createJobStep,
    workerStep,
    auditStep,
    stopStep,
  ];
  const result = await runSteps(steps, containerOutput);
  await cleanUp();
  say(
    `images: ${[...images].map(([service, info]) => `${service} ${mb(info.sizeBytes)}`).join(', ') || 'none built'}`,
  );
  say(summary(result, Date.now() - started));
  if (result.failed) {
    say(`  logs kept in ${work}`);
    process.exit(1);
  }
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch(async (error: unknown) => {
  console.error('container smoke test crashed:', error);
  await cleanUp();
  process.exit(1);
});
