import {
  createTestDatabase,
  postJob,
  type PostOutcome,
  TcpProxy,
  type TestDatabase,
  testImages,
  waitFor,
} from '@ocr-jobs/testing';
import { startFaultStack, type FaultStack } from './support/fault-stack';
import { allFinished, settledInvariants } from './support/invariants';

/**
 * `npm start` on MySQL reached through a TCP proxy; the proxy is closed for a few seconds mid-job
 * (every connection dropped, new ones refused). During the outage the API answers 503 and nothing
 * else; afterwards the job under way finishes with everything in order.
 */
const mysqlUrl = process.env.TEST_MYSQL_URL;
(mysqlUrl ? describe : describe.skip)('database connections cut under npm start (MySQL)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let stack: FaultStack;

  beforeAll(async () => {
    database = await createTestDatabase('mysql');
    const direct = new URL(database.url);
    proxy = new TcpProxy({ host: direct.hostname, port: Number(direct.port || 3306) });
    await proxy.open();
    const proxied = new URL(database.url);
    proxied.port = String(proxy.port);
    stack = await startFaultStack({ env: { OCR_ENGINE: 'mock', DATABASE_URL: proxied.toString() } });
    stack.handle.databaseUrl = database.url;
  });
  afterAll(async () => {
    expect(await stack.stop()).toBe(0);
    await proxy.close();
    await database.drop();
  });

  it('answers only 503 during the outage and finishes the interrupted job afterwards', async () => {
    // Prepare: a job just accepted.
    const before = await postJob(stack.apiUrl, stack.apiKey, 'before outage', await testImages(3, 21));
    expect(before.status).toBe(201);

    // Act: cut every database connection for 6 s, trying to create jobs meanwhile.
    await proxy.close();
    const during: PostOutcome[] = [];
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      during.push(await postJob(stack.apiUrl, stack.apiKey, 'during outage', await testImages(1, 22)));
      await new Promise((r) => setTimeout(r, 500));
    }
    await proxy.open();

    // Assess: refused with 503 (a request that raced the cut may still have got in: 201), no other 5xx.
    expect(during.filter((o) => o.status !== 503 && o.status !== 201)).toEqual([]);
    expect(during.some((o) => o.status === 503)).toBe(true);
    const accepted = [before.jobId!, ...during.flatMap((o) => (o.jobId ? [o.jobId] : []))];
    await waitFor('the accepted jobs to finish', () => allFinished(stack.handle, accepted), {
      timeoutMs: 120_000,
      intervalMs: 1_000,
    });
    expect(await settledInvariants(stack.handle, accepted, { timeoutMs: 90_000 })).toEqual([]);
  });
});
