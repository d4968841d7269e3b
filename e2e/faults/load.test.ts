import path from 'node:path';
import { eventually, startLocalStack, type RunningStack } from '../test/local-stack-process';
import { allFinished, checkInvariants, type StackHandle } from './support/invariants';
import { runLoad } from './support/load';

/**
 * The load on the embedded default: 10 clients × 5 jobs × 3 images against `npm start` on
 * SQLite. No 5xx; every accepted item finishes. Latency is printed, not asserted (bench territory).
 * The mock engine keeps the case about the database and queues, not about OCR speed.
 */
describe('concurrent load on the local stack (SQLite)', () => {
  let stack: RunningStack;
  let handle: StackHandle;
  beforeAll(async () => {
    stack = await startLocalStack({ env: { OCR_ENGINE: 'mock' } });
    handle = {
      apiUrl: stack.apiUrl,
      apiKey: stack.apiKey,
      databaseUrl: `sqlite:${path.join(stack.dataDir, 'ocr-jobs.sqlite')}`,
      s3Endpoint: `http://127.0.0.1:${stack.ports.s3}`,
    };
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('accepts 50 concurrent job POSTs without a 5xx and finishes every item', async () => {
    const report = await runLoad({ apiUrl: stack.apiUrl, apiKey: stack.apiKey });
    // eslint-disable-next-line no-console -- the numbers are the report of this case
    console.log(
      `load sqlite: ${report.accepted.length}/${report.outcomes.length} accepted, ${report.serverErrors} 5xx, p50 ${report.p50} ms, p99 ${report.p99} ms, wall ${report.wallMs} ms`,
    );
    expect(report.outcomes.filter((o) => o.status !== 201)).toEqual([]);
    await eventually(() => allFinished(handle, report.accepted), 180_000, 1_000);
    expect(await checkInvariants(handle, report.accepted)).toEqual([]);
  });
});
