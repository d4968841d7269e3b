import { postJob, testImages, waitFor } from '@ocr-jobs/testing';
import { startFaultStack, type FaultStack } from './support/fault-stack';
import { allFinished, api, settledInvariants } from './support/invariants';
import { isAlive, pidOf, type StackProcess } from './support/processes';

/**
 * SIGKILL of each process of `npm start` while a job is under way: the supervisor restarts it, and
 * every accepted item still ends DONE or ERROR with its counters, audit events and objects right.
 */
describe('crashes of single processes under npm start (SIGKILL, mock engine)', () => {
  let stack: FaultStack;
  beforeAll(async () => {
    stack = await startFaultStack({ env: { OCR_ENGINE: 'mock' } });
  });
  afterAll(async () => {
    expect(await stack.stop()).toBe(0);
  });

  async function killAndAwaitRestart(name: StackProcess): Promise<void> {
    const pid = pidOf(stack.child.pid!, name);
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    await waitFor(
      `a new ${name} process`,
      () => {
        const next = pidOf(stack.child.pid!, name);
        return next !== undefined && next !== pid && isAlive(next);
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await waitFor(
      `the "${name} restarted" log line`,
      () => stack.output.some((l) => l.includes(`${name} restarted`)),
      {
        timeoutMs: 30_000,
        intervalMs: 200,
      },
    );
  }

  async function jobThen(
    fault: () => Promise<void>,
    options: { auditMayBeLost?: boolean; timeoutMs?: number } = {},
  ) {
    const created = await postJob(
      stack.apiUrl,
      stack.apiKey,
      'fault',
      await testImages(3, Date.now() % 1000),
    );
    expect(created.status).toBe(201);
    await fault();
    await waitFor('the job to finish', () => allFinished(stack.handle, [created.jobId!]), {
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    expect(await settledInvariants(stack.handle, [created.jobId!], options)).toEqual([]);
  }

  it.each(['ocr-worker', 'jobs-api', 's3rver'] as const)(
    'finishes the job when %s is killed right after the job was accepted',
    async (name) => {
      await jobThen(() => killAndAwaitRestart(name));
    },
  );

  // Audit events the killed audit-logger held (or failed to write while DynamoDB was down) come back
  // after the audit queue's visibility timeout (60 s, shared definition): late, not lost.
  it.each(['audit-logger', 'dynalite'] as const)(
    'finishes the job and records every audit event once when %s is killed',
    async (name) => {
      await jobThen(() => killAndAwaitRestart(name), { timeoutMs: 90_000 });
    },
  );

  it('finishes the job when fauxqs (the queues, in memory) is killed: lost OCR messages are re-sent', async () => {
    // Audit events fauxqs held are lost with it: the documented local exception (README, Guarantees).
    await jobThen(() => killAndAwaitRestart('fauxqs'), { auditMayBeLost: true });
    expect(stack.output.some((l) => l.includes('queues created again'))).toBe(true);
  });

  it('answers no 5xx after the restarts', async () => {
    const res = await api(stack, '/readyz');
    expect(res.status).toBe(200);
  });
});
