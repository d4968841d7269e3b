import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, passwordSourceFor } from '@ocr-jobs/db';
import { baseConfigSchema, loadConfig } from '@ocr-jobs/runtime';
import { createTestDatabase, type TestDatabase } from '../src';

/**
 * A database password rotated while the service runs (RDS rotates its secrets; ECS injects secrets
 * only at task start): the pool reads the password when it connects and again after a refused login.
 * Real MariaDB, a user of the test's own, the real connection layer and pool; the password source is
 * a file the test rewrites, standing in for the Secrets Manager secret (same PasswordSource interface,
 * same DATABASE_* config path; the SDK client cannot be pointed at a local secret store here).
 */
// MySQL only (TEST_MYSQL_URL, set by .ci/run): SQLite has no users or passwords.
describe('a rotated database password', () => {
  const user = `rot_${randomBytes(4).toString('hex')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-jobs-rotation-'));
  const passwordFile = path.join(dir, 'password');
  let database: TestDatabase;
  let admin: ReturnType<typeof createDatabase>;

  beforeAll(async () => {
    database = await createTestDatabase('mysql');
    admin = createDatabase({ url: process.env.TEST_MYSQL_URL!, bindModels: false });
    const dbName = new URL(database.url).pathname.slice(1);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'first-password'`);
    await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${dbName}\`.* TO '${user}'@'%'`);
    fs.writeFileSync(passwordFile, 'first-password\n');
  });
  afterAll(async () => {
    await admin?.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin?.close();
    await database?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps answering after ALTER USER and killed connections, without a restart', async () => {
    // Prepare: the service's connection, configured as on AWS but with a file as the secret.
    const url = new URL(database.url);
    url.username = user;
    url.password = '';
    const config = loadConfig(baseConfigSchema, {
      DATABASE_URL: url.toString(),
      DATABASE_PASSWORD_FILE: passwordFile,
    });
    const db = createDatabase({
      url: config.DATABASE_URL,
      passwordSource: passwordSourceFor(config),
      bindModels: false,
      poolMax: 3,
    });
    const countJobs = async () =>
      ((await db.query('SELECT COUNT(*) AS n FROM jobs'))[0] as Array<{ n: number }>)[0]!.n;
    try {
      expect(Number(await countJobs())).toBe(0);

      // Act: rotate as Secrets Manager does (secret updated, then the user's password), and drop
      // every open connection of the user so the pool must log in again.
      fs.writeFileSync(passwordFile, 'second-password\n');
      await admin.query(`ALTER USER '${user}'@'%' IDENTIFIED BY 'second-password'`);
      const [sessions] = (await admin.query(
        `SELECT id FROM information_schema.processlist WHERE user = '${user}'`,
      )) as [Array<{ id: number }>, unknown];
      expect(sessions.length).toBeGreaterThan(0);
      for (const { id } of sessions) await admin.query(`KILL ${Number(id)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));

      // Assess: the next queries log in with the new password (the cached one is refused first).
      for (let i = 0; i < 5; i++) expect(Number(await countJobs())).toBe(0);
      const [after] = (await admin.query(
        `SELECT COUNT(*) AS n FROM information_schema.processlist WHERE user = '${user}'`,
      )) as [Array<{ n: number }>, unknown];
      expect(Number(after[0]!.n)).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });

  it('reports a refused login when the source has no newer password', async () => {
    const url = new URL(database.url);
    url.username = user;
    fs.writeFileSync(passwordFile, 'not-the-password\n');
    const db = createDatabase({
      url: url.toString(),
      passwordSource: passwordSourceFor(
        loadConfig(baseConfigSchema, { DATABASE_URL: url.toString(), DATABASE_PASSWORD_FILE: passwordFile }),
      ),
      bindModels: false,
    });
    try {
      await expect(db.query('SELECT 1')).rejects.toThrow(/Access denied/);
    } finally {
      await db.close();
    }
  });
});
