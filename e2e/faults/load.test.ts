import { createTestDatabase, runLoad, type TestDatabase, testDialects, waitFor } from '@ocr-jobs/testing';
import { startFaultStack, type FaultStack } from './support/fault-stack';
import { allFinished, settledInvariants } from './support/invariants';

/**
 * The load on the embedded default: 10 clients × 5 jobs × 3 images against `npm start` on
 * SQLite. No 5xx; every accepted item finishes. Latency is printed, not asserted (bench territory).
 * The mock engine keeps the case about the database and queues, not about OCR speed. Both dialects:
 * SQLite (the embedded default) and MySQL (TEST_MYSQL_URL, as in production).
 */
describe.each(testDialects())('concurrent load on the local stack (%s)', (dialect) => {
  let stack: FaultStack;
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    // SQLite: the stack's own file under .data/. MySQL: a fresh database on the test server.
    database = dialect === 'mysql' ? await createTestDatabase('mysql') : undefined;
    stack = await startFaultStack({
      env: { OCR_ENGINE: 'mock', ...(database ? { DATABASE_URL: database.url } : {}) },
    });
    if (database) stack.handle.databaseUrl = database.url;
  });
  afterAll(async () => {
    expect(await stack.stop()).toBe(0);
    await database?.drop();
  });

  it('accepts 50 concurrent job POSTs without a 5xx and finishes every item', async () => {
    const report = await runLoad({ apiUrl: stack.apiUrl, apiKey: stack.apiKey });
    // eslint-disable-next-line no-console -- the numbers are the report of this case
    console.log(
      `load ${dialect}: ${report.accepted.length}/${report.outcomes.length} accepted, ${report.serverErrors} 5xx, p50 ${report.p50} ms, p99 ${report.p99} ms, wall ${report.wallMs} ms`,
    );
    expect(report.outcomes.filter((o) => o.status !== 201)).toEqual([]);
    await waitFor('the accepted jobs to finish', () => allFinished(stack.handle, report.accepted), {
      timeoutMs: 180_000,
      intervalMs: 1_000,
    });
    expect(await settledInvariants(stack.handle, report.accepted)).toEqual([]);
  });
});
