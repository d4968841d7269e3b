import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDatabase } from '@ocr-jobs/db';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import { createTestDatabase, type TestDatabase } from '@ocr-jobs/testing';
import { eventually } from './support/harness';

/**
 * The database password changes while jobs-api runs (RDS rotates secrets every 7 days; ECS injects
 * secrets only at start). The real API process, built as production runs it, logs in as a user of
 * the test's own with data rights only; its password source is a file (DATABASE_PASSWORD_FILE), the
 * local stand-in for the Secrets Manager secret (DATABASE_SECRET_ARN on AWS, same code path after the
 * read). The test rotates the password, kills the API's connections, and the API keeps answering.
 * MySQL only (TEST_MYSQL_URL, set by .ci/run): SQLite has no users.
 */
const SERVICE_DIR = path.join(__dirname, '..');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('jobs-api across a database password rotation', () => {
  const user = `rot_${randomBytes(4).toString('hex')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-jobs-rotation-'));
  const passwordFile = path.join(dir, 'password');
  let stack: TestStack;
  let database: TestDatabase;
  let admin: ReturnType<typeof createDatabase>;
  let api: ChildProcess | undefined;
  let baseUrl: string;
  const output: string[] = [];

  beforeAll(async () => {
    // The process runs dist/, as in the image: build it (turbo has built its dependencies).
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: SERVICE_DIR,
      stdio: 'inherit',
    });
    [stack, database] = await Promise.all([startTestStack(), createTestDatabase('mysql')]);
    admin = createDatabase({ url: process.env.TEST_MYSQL_URL!, bindModels: false });
    const dbName = new URL(database.url).pathname.slice(1);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'first-password'`);
    await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${dbName}\`.* TO '${user}'@'%'`);
    fs.writeFileSync(passwordFile, 'first-password\n');

    const url = new URL(database.url);
    url.username = user;
    url.password = '';
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    api = spawn(process.execPath, [path.join(SERVICE_DIR, 'dist', 'main.js')], {
      env: {
        ...process.env,
        ...stack.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        DATABASE_URL: url.toString(),
        DATABASE_PASSWORD_FILE: passwordFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    api.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    api.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await eventually(async () => {
      const res = await fetch(`${baseUrl}/readyz`).catch(() => undefined);
      return res?.status === 200 ? res : undefined;
    }, 30_000);
  }, 180_000);

  afterAll(async () => {
    if (api && api.exitCode === null) {
      const exited = new Promise((resolve) => api!.once('exit', resolve));
      api.kill('SIGTERM');
      await exited;
    }
    await admin?.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin?.close();
    await Promise.all([stack?.stop(), database?.drop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps answering /readyz (database included) without a restart', async () => {
    // Act: rotate as Secrets Manager does (secret first, then the user), then drop every session of
    // the user so the API's pool has to log in again.
    fs.writeFileSync(passwordFile, 'second-password\n');
    await admin.query(`ALTER USER '${user}'@'%' IDENTIFIED BY 'second-password'`);
    const [sessions] = (await admin.query(
      `SELECT id FROM information_schema.processlist WHERE user = '${user}'`,
    )) as [Array<{ id: number }>, unknown];
    expect(sessions.length).toBeGreaterThan(0);
    for (const { id } of sessions) await admin.query(`KILL ${Number(id)}`);
    // The pool drops a killed connection when its socket closes; a query racing that close fails
    // whatever the password ("socket ended"), which is not what this test is about: let it settle.
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Assess: the same process answers, its database check included, on fresh logins.
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${baseUrl}/readyz`);
      expect({ status: res.status, body: await res.json() }).toMatchObject({
        status: 200,
        body: { status: 'ready' },
      });
    }
    expect(api!.exitCode).toBeNull();
    const [after] = (await admin.query(
      `SELECT COUNT(*) AS n FROM information_schema.processlist WHERE user = '${user}'`,
    )) as [Array<{ n: number }>, unknown];
    expect(Number(after[0]!.n)).toBeGreaterThan(0);
    expect(output.join('')).not.toContain('second-password');
  });
});
