import { JobItem } from '@ocr-jobs/db';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import { createTestDatabase, testDialects, type TestDatabase, waitFor, renderText } from '@ocr-jobs/testing';
import { createJob, queueDepth, sendOcrMessage } from './support/fixtures';
import { multiPageTiff, rotate } from './support/images';
import { spawnWorker, type WorkerProcess } from './support/process';
import { testEnv } from './support/worker';

/** The worker as a real process: crashes, heartbeats and SIGTERM. Real OCR keeps an item busy for seconds. */
describe.each(testDialects())('ocr-worker process on %s', (dialect) => {
  let stack: TestStack;
  let database: TestDatabase;
  let slowFile: Buffer;
  const running: WorkerProcess[] = [];

  beforeAll(async () => {
    [stack, database] = await Promise.all([startTestStack(), createTestDatabase(dialect)]);
    // Four sideways pages: each is read at several turns, so the item takes several seconds.
    const page = await rotate(await renderText('Sideways page of a long scan'), 90);
    slowFile = await multiPageTiff([page, page, page, page]);
  });
  afterEach(async () => {
    for (const w of running.splice(0)) {
      if (w.child.exitCode === null) w.child.kill('SIGKILL');
      await w.exited;
    }
  });
  afterAll(async () => {
    await database?.drop();
    await stack?.stop();
  });

  const start = (overrides: Record<string, string> = {}) => {
    const worker = spawnWorker(
      testEnv(stack, database, {
        OCR_VISIBILITY_TIMEOUT_S: '3',
        OCR_HEARTBEAT_INTERVAL_S: '1',
        ...overrides,
      }),
    );
    running.push(worker);
    return worker;
  };
  const itemIs = (id: string, status: string) => async () => (await JobItem.findByPk(id))?.status === status;

  it('redelivers after a crash mid-item; the heartbeat keeps the new delivery from being received twice', async () => {
    const { job, items } = await createJob(stack, [{ body: slowFile, ext: 'tiff' }]);
    const first = start({ OCR_CONCURRENCY: '1' });
    await sendOcrMessage(stack, items[0]!);
    await waitFor('the first worker to start the item', itemIs(items[0]!.id, 'PROCESSING'));

    first.child.kill('SIGKILL');
    await first.exited;
    // Two pollers: a message whose visibility lapsed mid-item would be received again by the idle one.
    const second = start({ OCR_CONCURRENCY: '2' });
    await waitFor('the redelivered item to finish', itemIs(items[0]!.id, 'DONE'), { timeoutMs: 120_000 });

    const item = await JobItem.findByPk(items[0]!.id);
    expect([item!.attempts, item!.pages]).toEqual([2, 4]);
    await job.reload();
    expect([job.status, job.done_items, job.error_items]).toEqual(['DONE', 1, 0]);
    const processed = second.lines.filter((l) => l.message === 'item processed');
    expect(processed).toEqual([expect.objectContaining({ outcome: 'done', receive_count: 2, pages: 4 })]);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 180_000);

  it('on SIGTERM finishes the in-flight item, deletes its message and exits 0', async () => {
    const { items } = await createJob(stack, [{ body: slowFile, ext: 'tiff' }]);
    const worker = start({ SHUTDOWN_TIMEOUT_MS: '90000' });
    await sendOcrMessage(stack, items[0]!);
    await waitFor('the item to start', itemIs(items[0]!.id, 'PROCESSING'));

    worker.child.kill('SIGTERM');

    expect(await worker.exited).toBe(0);
    expect((await JobItem.findByPk(items[0]!.id))!.status).toBe('DONE');
    expect(await queueDepth(stack, stack.resources.queueUrls.ocr)).toBe(0);
    expect(worker.lines).toContainEqual(
      expect.objectContaining({ message: 'ocr-worker stopped', released_in_flight: false }),
    );
  }, 180_000);

  it('on SIGTERM past the stop timeout releases the in-flight message at once and exits 0', async () => {
    const { items } = await createJob(stack, [{ body: slowFile, ext: 'tiff' }]);
    const worker = start({
      SHUTDOWN_TIMEOUT_MS: '200',
      OCR_VISIBILITY_TIMEOUT_S: '600',
      OCR_HEARTBEAT_INTERVAL_S: '60',
    });
    await sendOcrMessage(stack, items[0]!);
    await waitFor('the item to start', itemIs(items[0]!.id, 'PROCESSING'));

    worker.child.kill('SIGTERM');

    expect(await worker.exited).toBe(0);
    expect((await JobItem.findByPk(items[0]!.id))!.status).toBe('PROCESSING');
    expect(worker.lines).toContainEqual(
      expect.objectContaining({ message: 'ocr-worker stopped', released_in_flight: true }),
    );
    // Released, not left invisible for its 600 s: the next worker picks it up straight away.
    start({ OCR_ENGINE: 'mock' });
    await waitFor('another worker to finish the released item', itemIs(items[0]!.id, 'DONE'), {
      timeoutMs: 30_000,
    });
    expect((await JobItem.findByPk(items[0]!.id))!.attempts).toBe(2);
  }, 180_000);
});
