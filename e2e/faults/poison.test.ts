import path from 'node:path';
import { createDatabase } from '@ocr-jobs/db';
import { postJob, testImages, waitFor } from '@ocr-jobs/testing';
import { QueryTypes } from 'sequelize';
import { startFaultStack, type FaultStack } from './support/fault-stack';
import { allFinished, auditTrail, jobView, settledInvariants } from './support/invariants';
import { pidOf } from './support/processes';

/**
 * A poison item: the worker process dies every time it reads it (the way an out-of-memory kill or an
 * engine abort ends it: SIGKILL, no handler runs). The test is the killer: whenever the item has been
 * started again, it SIGKILLs the worker. After maxReceiveCount receives SQS moves the message to the
 * dead-letter queue; the reconciler fails the item with `item.failed` and the job finishes.
 * (The tesseract engine is used so the worker holds the item for seconds while it loads the engine.)
 */
describe('a poison item that kills the worker every time', () => {
  let stack: FaultStack;
  beforeAll(async () => {
    stack = await startFaultStack({ env: { OCR_ENGINE: 'tesseract', OCR_CONCURRENCY: '1' } });
  });
  afterAll(async () => {
    expect(await stack.stop()).toBe(0);
  });

  it('ends the item ERROR with item.failed, and the job finishes', async () => {
    const created = await postJob(stack.apiUrl, stack.apiKey, 'poison', await testImages(1, 3));
    expect(created.status).toBe(201);
    const db = createDatabase({
      url: `sqlite:${path.join(stack.dataDir, 'ocr-jobs.sqlite')}`,
      bindModels: false,
    });
    let kills = 0;
    try {
      let lastKilledAttempt = 0;
      await waitFor(
        'the poison item to end',
        async () => {
          const [item] = await db.query<{ status: string; attempts: number }>(
            'SELECT status, attempts FROM job_items WHERE job_id = ?',
            { replacements: [created.jobId], type: QueryTypes.SELECT },
          );
          if (!item || item.status === 'DONE' || item.status === 'ERROR') return true;
          if (item.status === 'PROCESSING' && item.attempts > lastKilledAttempt) {
            const pid = pidOf(stack.child.pid!, 'ocr-worker');
            if (pid) {
              process.kill(pid, 'SIGKILL');
              lastKilledAttempt = item.attempts;
              kills++;
            }
          }
          return false;
        },
        { timeoutMs: 200_000, intervalMs: 50 },
      );
    } finally {
      await db.close();
    }

    const job = await jobView(stack.handle, created.jobId!);
    expect(kills).toBe(5); // maxReceiveCount of the shared queue definition
    expect(job.status).toBe('ERROR');
    expect(job.items[0]!.error_msg).toMatch(/dead-letter queue/);
    await waitFor('the job to finish', () => allFinished(stack.handle, [created.jobId!]), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(await settledInvariants(stack.handle, [created.jobId!])).toEqual([]);
    const actions = (await auditTrail(stack.handle, created.jobId!)).map((e) => e.action);
    expect(actions).toContain('item.failed');
  });
});
