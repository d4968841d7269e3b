import { createHash, randomUUID } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ocrResultSchema, resourceDefinition, resultKey } from '@ocr-jobs/contracts';
import { Job, JobItem } from '@ocr-jobs/db';
import { startTestStack, type TestStack } from '@ocr-jobs/local-stack';
import {
  createTestDatabase,
  testDialects,
  type TestDatabase,
  waitFor,
  pngBomb,
  renderText,
} from '@ocr-jobs/testing';
import { multiPageTiff, SENTENCE, similarity, truncatedPng } from './support/images';
import { AuditInbox, createJob, queueDepth, sendOcrMessage } from './support/fixtures';
import { startWorker } from './support/worker';

const finished = (id: string) => async () => {
  const item = await JobItem.findByPk(id);
  return item && ['DONE', 'ERROR'].includes(item.status) ? item : undefined;
};

describe.each(testDialects())('ocr-worker on %s', (dialect) => {
  let stack: TestStack;
  let database: TestDatabase;
  let audit: AuditInbox;
  let worker: ReturnType<typeof startWorker> | undefined;

  beforeAll(async () => {
    [stack, database] = await Promise.all([startTestStack(), createTestDatabase(dialect)]);
    audit = new AuditInbox(stack);
  });
  afterEach(async () => {
    await worker?.stop(10_000);
    worker = undefined;
  });
  afterAll(async () => {
    await database?.drop();
    await stack?.stop();
  });

  it('ignores a message of an earlier run, and reads the item on the message of its current run', async () => {
    // Prepare: an item retried or reprocessed once (run 1), and a late message of its run 0.
    const { job, items } = await createJob(stack, [{ body: Buffer.from('late'), ext: 'png' }]);
    const item = items[0]!;
    await JobItem.update({ run: 1 }, { where: { id: item.id } });
    worker = startWorker(stack, database, { OCR_ENGINE: 'mock' });

    // Act 1: the run-0 message (no run field means 0).
    await sendOcrMessage(stack, item);
    await waitFor(
      'the stale message acked',
      async () => (await queueDepth(stack, stack.resources.queueUrls.ocr)) === 0,
    );

    // Assess 1: deleted, counted nowhere: the item untouched, no metric line.
    expect(await JobItem.findByPk(item.id)).toMatchObject({ status: 'PENDING', attempts: 0, run: 1 });
    expect((await job.reload()).status).toBe('PENDING');
    expect(worker.metrics).toEqual([]);

    // Act 2 / Assess 2: the message of run 1 reads it.
    await sendOcrMessage(stack, item, { run: 1 });
    const read = await waitFor('the item to finish', finished(item.id));
    expect([read.status, read.run, read.attempts]).toEqual(['DONE', 1, 1]);
    const events = await audit.waitFor(job.id, ['item.started', 'item.done', 'job.finished']);
    expect(events.filter((e) => e.action === 'item.started')).toHaveLength(1);
    expect(events.find((e) => e.action === 'item.done')?.details).toMatchObject({ run: 1 });
  });

  it('reads an item end to end: text, structured result in S3, counters, audit trail, metrics', async () => {
    const { job, items } = await createJob(stack, [{ body: await renderText(SENTENCE), ext: 'png' }]);
    worker = startWorker(stack, database);

    await sendOcrMessage(stack, items[0]!);
    const item = await waitFor('the item to finish', finished(items[0]!.id));

    expect(item.status).toBe('DONE');
    expect(similarity(item.ocr_text ?? '', SENTENCE)).toBeGreaterThan(0.9);
    expect([item.pages, item.attempts, item.error_msg]).toEqual([1, 1, null]);
    expect(item.confidence).toBeGreaterThan(70);
    await job.reload();
    expect([job.status, job.done_items, job.error_items]).toEqual(['DONE', 1, 0]);
    const stored = await stack.clients.s3.send(
      new GetObjectCommand({ Bucket: stack.names.bucket, Key: resultKey(job.id, item.id) }),
    );
    const result = ocrResultSchema.parse(JSON.parse(await stored.Body!.transformToString()));
    expect(result.pages[0]!.lines.length).toBeGreaterThan(0);
    expect(result.pages[0]!.hocr).toContain('<div class=\'ocr_page\' id="page_1" title="bbox 0 0');
    // The stored page keeps its resolution (renderText's scans declare 150 dpi) and its ids.
    expect(result.pages[0]).toMatchObject({
      page: 1,
      dpi: 150,
      lines: [expect.objectContaining({ id: 'line_1_1' })],
    });
    const events = await audit.waitFor(job.id, ['item.started', 'item.done', 'job.finished']);
    expect(events.every((e) => e.tenant === 'tenant-a' && e.actor === 'worker')).toBe(true);
    expect(events.find((e) => e.action === 'item.done')!.details).toMatchObject({ pages: 1 });
    expect(events.find((e) => e.action === 'job.finished')!.details).toMatchObject({
      status: 'DONE',
      done_items: 1,
    });
    const emf = worker.metrics.at(-1)!;
    expect(emf).toMatchObject({ Service: 'ocr-worker', PagesProcessed: 1, ItemsFailed: 0 });
    expect(emf.OcrDurationMs).toEqual(expect.any(Number));
    expect(
      (emf._aws as { CloudWatchMetrics: Array<{ Namespace: string }> }).CloudWatchMetrics[0]!.Namespace,
    ).toBe('OcrJobs');
  });

  it("reads only the pages of the item's page_range, each result page with its number in the file", async () => {
    const words = ['first', 'second', 'third', 'fourth'];
    const tiff = await multiPageTiff(await Promise.all(words.map((w) => renderText(`The ${w} page`))));
    const { job, items } = await createJob(stack, [{ body: tiff, ext: 'tiff', pageRange: '2-3' }]);
    worker = startWorker(stack, database);

    await sendOcrMessage(stack, items[0]!);
    const item = await waitFor('the item to finish', finished(items[0]!.id));

    expect([item.status, item.pages]).toEqual(['DONE', 2]);
    const [second, third] = (item.ocr_text ?? '').split('\f');
    expect(similarity(second!, 'The second page')).toBeGreaterThan(0.85);
    expect(similarity(third!, 'The third page')).toBeGreaterThan(0.85);
    const stored = await stack.clients.s3.send(
      new GetObjectCommand({ Bucket: stack.names.bucket, Key: resultKey(job.id, item.id) }),
    );
    const result = ocrResultSchema.parse(JSON.parse(await stored.Body!.transformToString()));
    expect(result.pages.map((p) => p.page)).toEqual([2, 3]);
  });

  it('reads an item in the languages of its job_items row and records them in the result', async () => {
    // Arrange: the page of issue 14, which English-only OCR read as "Acao de manutengao".
    const portuguese = 'Ação de manutenção: São Paulo, informações';
    const { job, items } = await createJob(stack, [{ body: await renderText(portuguese), ext: 'png' }]);
    await items[0]!.update({ languages: 'por' });
    worker = startWorker(stack, database);

    // Act
    await sendOcrMessage(stack, items[0]!);
    const item = await waitFor('the item to finish', finished(items[0]!.id));

    // Assess
    expect(item.status).toBe('DONE');
    expect(item.ocr_text?.trim()).toBe(portuguese);
    const stored = await stack.clients.s3.send(
      new GetObjectCommand({ Bucket: stack.names.bucket, Key: resultKey(job.id, item.id) }),
    );
    expect(ocrResultSchema.parse(JSON.parse(await stored.Body!.transformToString())).languages).toBe('por');
  });

  it('mock engine: OK_<sha256 prefix>; a duplicate delivery changes and counts nothing twice', async () => {
    const file = Buffer.from('any bytes at all');
    const { job, items } = await createJob(stack, [
      { body: file, ext: 'png' },
      { body: file, ext: 'png' },
    ]);
    worker = startWorker(stack, database, { OCR_ENGINE: 'mock' });

    await sendOcrMessage(stack, items[0]!);
    await sendOcrMessage(stack, items[0]!);
    await waitFor('the first item', finished(items[0]!.id));
    await waitFor(
      'both deliveries acked',
      async () => (await queueDepth(stack, stack.resources.queueUrls.ocr)) === 0,
    );
    await sendOcrMessage(stack, items[1]!);
    await waitFor('the second item', finished(items[1]!.id));
    await sendOcrMessage(stack, items[1]!); // redelivered after the item finished
    await waitFor(
      'the redelivery acked',
      async () => (await queueDepth(stack, stack.resources.queueUrls.ocr)) === 0,
    );

    const expected = `OK_${createHash('sha256').update(file).digest('hex').slice(0, 12)}`;
    const rows = await JobItem.findAll({ where: { job_id: job.id } });
    expect(rows.map((r) => [r.status, r.ocr_text])).toEqual([
      ['DONE', expected],
      ['DONE', expected],
    ]);
    await job.reload();
    expect([job.status, job.done_items, job.error_items]).toEqual(['DONE', 2, 0]);
    const events = await audit.waitFor(job.id, ['job.finished']);
    expect(events.filter((e) => e.action === 'item.done')).toHaveLength(2);
    expect(events.filter((e) => e.action === 'job.finished')).toHaveLength(1);
  });

  it('fails each permanent failure class at once with a readable message', async () => {
    const page = await renderText('page');
    const { job, items } = await createJob(stack, [
      { body: await truncatedPng(), ext: 'png' },
      { body: pngBomb(), ext: 'png' },
      { body: Buffer.from('plain text, not a scan'), ext: 'txt' },
      { body: await multiPageTiff([page, page, page]), ext: 'tiff' },
      { body: null, ext: 'jpg' },
    ]);
    worker = startWorker(stack, database, { OCR_MAX_PAGES: '2', OCR_MAX_PIXELS: '50000000' });

    for (const item of items) await sendOcrMessage(stack, item);
    const done = await Promise.all(items.map((i) => waitFor('a failed item', finished(i.id))));

    expect(done.map((i) => [i.status, i.attempts])).toEqual(Array(5).fill(['ERROR', 1]));
    expect(done.map((i) => i.error_msg)).toEqual([
      expect.stringMatching(/^corrupt image/),
      expect.stringMatching(/^image too large: page 1 is 100000×100000/),
      expect.stringMatching(/^unsupported file type/),
      'file has 3 pages; at most 2 are allowed',
      expect.stringMatching(/^file not found in storage/),
    ]);
    await job.reload();
    expect([job.status, job.done_items, job.error_items]).toEqual(['ERROR', 0, 5]);
    await waitFor(
      'messages deleted',
      async () => (await queueDepth(stack, stack.resources.queueUrls.ocr)) === 0,
    );
    expect(await queueDepth(stack, stack.resources.queueUrls.ocrDeadLetter)).toBe(0);
    const events = await audit.waitFor(job.id, ['job.finished']);
    expect(events.filter((e) => e.action === 'item.failed').map((e) => e.details.attempt)).toEqual(
      Array(5).fill(1),
    );
    expect(worker.metrics.filter((m) => m.ItemsFailed === 1)).toHaveLength(5);
  });

  it('retries a transient failure and marks the item ERROR on the last allowed receive, before the DLQ', async () => {
    const { job, items } = await createJob(stack, [{ body: Buffer.from('x'), ext: 'png' }]);
    worker = startWorker(stack, database, { OCR_ENGINE: 'mock' });

    // A bucket that does not exist: S3 fails on every attempt, which retrying might fix.
    await sendOcrMessage(stack, items[0]!, { s3_bucket: `${stack.names.bucket}-missing` });
    const item = await waitFor('the item to give up', finished(items[0]!.id));

    const max = resourceDefinition.queues.ocr.maxReceiveCount;
    expect([item.status, item.attempts]).toEqual(['ERROR', max]);
    expect(item.error_msg).toMatch(new RegExp(`^gave up after ${max} attempts: could not read`));
    await waitFor(
      'the message deleted',
      async () => (await queueDepth(stack, stack.resources.queueUrls.ocr)) === 0,
    );
    expect(await queueDepth(stack, stack.resources.queueUrls.ocrDeadLetter)).toBe(0);
    const events = await audit.waitFor(job.id, ['item.failed', 'job.finished']);
    expect(events.filter((e) => e.action === 'item.started')).toHaveLength(max);
  });

  it('acknowledges and drops a message whose item or job was deleted', async () => {
    const { job, items } = await createJob(stack, [{ body: Buffer.from('x'), ext: 'png' }]);
    await Job.destroy({ where: { id: job.id } });
    worker = startWorker(stack, database, { OCR_ENGINE: 'mock' });

    await sendOcrMessage(stack, items[0]!);
    await sendOcrMessage(stack, { id: randomUUID(), job_id: randomUUID(), s3_key: 'jobs/x/y.png' });

    await waitFor('both acked', async () => (await queueDepth(stack, stack.resources.queueUrls.ocr)) === 0);
    expect(await queueDepth(stack, stack.resources.queueUrls.ocrDeadLetter)).toBe(0);
    expect(await JobItem.count({ where: { job_id: job.id } })).toBe(0);
  });

  it('stops an item that runs past the per-item timeout and fails it', async () => {
    const { items } = await createJob(stack, [{ body: await renderText(SENTENCE), ext: 'png' }]);
    worker = startWorker(stack, database, { OCR_ITEM_TIMEOUT_MS: '100' });

    await sendOcrMessage(stack, items[0]!);
    const item = await waitFor('the item to time out', finished(items[0]!.id));

    expect([item.status, item.error_msg]).toEqual(['ERROR', 'OCR did not finish within 100 ms']);
  });

  it('expires jobs past their retention deadline in a periodic sweep', async () => {
    const past = new Date(Date.now() - 60_000);
    const { job, items } = await createJob(
      stack,
      [
        { body: null, ext: 'png' },
        { body: null, ext: 'png' },
      ],
      {
        deadline: past,
      },
    );
    await JobItem.update({ status: 'DONE', ocr_text: 'read before' }, { where: { id: items[0]!.id } });
    await job.update({ status: 'PROCESSING', done_items: 1 });
    const fresh = await createJob(stack, [{ body: null, ext: 'png' }]);
    worker = startWorker(stack, database, { OCR_ENGINE: 'mock', EXPIRY_SWEEP_INTERVAL_MS: '200' });

    await waitFor('the job to expire', async () => (await job.reload()).status === 'EXPIRED');

    expect([job.done_items, job.error_items]).toEqual([1, 1]);
    const rows = await JobItem.findAll({ where: { job_id: job.id }, order: [['status', 'ASC']] });
    expect(rows.map((r) => [r.status, r.error_msg])).toEqual([
      ['DONE', null],
      ['ERROR', 'expired'],
    ]);
    expect((await fresh.job.reload()).status).toBe('PENDING');
    const events = await audit.waitFor(job.id, ['job.expired']);
    expect(events[0]).toMatchObject({ actor: 'system', tenant: 'tenant-a', details: { expired_items: 1 } });
    // A late message for the expired item changes nothing.
    await sendOcrMessage(stack, items[1]!);
    await waitFor(
      'the late message acked',
      async () => (await queueDepth(stack, stack.resources.queueUrls.ocr)) === 0,
    );
    expect((await job.reload()).error_items).toBe(1);
  });
});
