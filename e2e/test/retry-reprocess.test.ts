import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { physicalNames } from '@ocr-jobs/contracts';
import { renderText } from '@ocr-jobs/testing';
import { startLocalStack, type RunningStack } from '@ocr-jobs/local-stack';
import { eventually } from './local-stack-process';

interface JobDetail {
  id: string;
  status: string;
  done_items: number;
  error_items: number;
  items: Array<{ id: string; filename: string; status: string; s3_key: string; error_msg: string | null }>;
}

/**
 * Partial outcomes, reprocess and retry through `npm start` (real processes; the mock engine, since
 * what is read does not matter here). The failure has a real cause that can be removed: the item's file
 * is gone from storage (the worker fails it as FILE_MISSING), then put back, and the retry reads it.
 */
describe('partial outcomes, reprocess and retry (real processes)', () => {
  let stack: RunningStack;
  let s3: S3Client;
  let receiver: http.Server;
  const callbacks: Array<{
    type: string;
    data: { status: string; done_items: number; error_items: number };
  }> = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        callbacks.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    stack = await startLocalStack({ env: { OCR_ENGINE: 'mock' } });
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${stack.ports.s3}`,
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    s3?.destroy();
    receiver?.close();
    expect(await stack.stop()).toBe(0);
  });

  const api = (route: string, init: RequestInit = {}) =>
    fetch(`${stack.apiUrl}${route}`, {
      ...init,
      headers: { 'x-api-key': stack.apiKey, ...(init.headers ?? {}) },
    });
  const detail = async (id: string) => (await (await api(`/api/jobs/${id}`)).json()) as JobDetail;
  const finished = (id: string, expected: Partial<JobDetail>) =>
    eventually(
      async () => {
        const job = await detail(id);
        return job.status !== 'PROCESSING' && job.status !== 'PENDING' ? job : undefined;
      },
      60_000,
      200,
    ).then((job) => {
      expect(job).toMatchObject(expected);
      return job;
    });
  const listed = async (query: string) =>
    ((await (await api(`/api/jobs?limit=100&${query}`)).json()) as { data: Array<{ id: string }> }).data.map(
      (j) => j.id,
    );

  it('a job with a failed item is DONE with error_items; reprocess and retry read it again, counters and events exact', async () => {
    // Prepare: a job of two files, read.
    const form = new FormData();
    form.append('name', 'partial');
    form.append('callback_url', `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/done`);
    form.append('images', new Blob([await renderText('first page')], { type: 'image/png' }), 'a.png');
    form.append('images', new Blob([await renderText('second page')], { type: 'image/png' }), 'b.png');
    const created = await api('/api/jobs', { method: 'POST', body: form });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as JobDetail;
    const job = await finished(id, { status: 'DONE', done_items: 2, error_items: 0 });
    const item = job.items.find((i) => i.filename === 'b.png')!;
    const bucket = physicalNames('ocr-jobs-local').bucket;
    const file = Buffer.from(
      await (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: item.s3_key }))
      ).Body!.transformToByteArray(),
    );

    // Act 1: the file disappears from storage, and the item is reprocessed.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: item.s3_key }));
    const reprocessed = await api(`/api/jobs/${id}/items/${item.id}/reprocess`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({}),
    });

    // Assess 1: re-queued, then failed; the job is DONE (one of two read), not ERROR.
    expect(reprocessed.status).toBe(202);
    expect(await reprocessed.json()).toMatchObject({ status: 'PROCESSING', done_items: 1, error_items: 0 });
    const partial = await finished(id, { status: 'DONE', done_items: 1, error_items: 1 });
    expect(partial.items.find((i) => i.id === item.id)!.error_msg).toMatch(/file not found in storage/);
    expect((await api(`/api/jobs/${id}/items/${item.id}`)).status).toBe(409);
    expect(await listed('has_errors=true')).toContain(id);
    expect(await listed('has_errors=false')).not.toContain(id);

    // Act 2: the cause is removed (the file is back) and the job retried.
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: item.s3_key, Body: file, ContentType: 'image/png' }),
    );
    const retried = await api(`/api/jobs/${id}/retry`, { method: 'POST' });

    // Assess 2: read again; every item DONE, the job DONE without errors.
    expect(retried.status).toBe(202);
    expect(await retried.json()).toMatchObject({ status: 'PROCESSING', done_items: 1, error_items: 0 });
    await finished(id, { status: 'DONE', done_items: 2, error_items: 0 });
    const result = await api(`/api/jobs/${id}/items/${item.id}?format=json`);
    expect(result.status).toBe(200);
    expect(((await result.json()) as { text: string }).text).toMatch(/^OK_[0-9a-f]{12}/);
    expect(await listed('has_errors=false')).toContain(id);
    const nothing = await api(`/api/jobs/${id}/retry`, { method: 'POST' });
    expect([nothing.status, ((await nothing.json()) as { error: { code: string } }).error.code]).toEqual([
      409,
      'NOTHING_TO_RETRY',
    ]);

    // Every step in the audit trail, exactly once each.
    const trail = await eventually(async () => {
      const page = (await (await api(`/api/jobs/${id}/events?limit=100`)).json()) as {
        data: Array<{ action: string }>;
      };
      return page.data.filter((e) => e.action === 'job.finished').length === 3 ? page.data : undefined;
    }, 60_000);
    const count = (action: string) => trail.filter((e) => e.action === action).length;
    expect(
      Object.fromEntries(
        [
          'job.created',
          'item.started',
          'item.done',
          'item.failed',
          'item.reprocess_requested',
          'job.retried',
          'item.requeued',
          'job.finished',
        ].map((a) => [a, count(a)]),
      ),
    ).toEqual({
      'job.created': 1,
      'item.started': 4,
      'item.done': 3,
      'item.failed': 1,
      'item.reprocess_requested': 1,
      'job.retried': 1,
      'item.requeued': 1,
      'job.finished': 3,
    });

    // The callback got job.finished each time the job finished, with the counts of that time.
    await eventually(async () => callbacks.length >= 3, 60_000);
    expect(callbacks.map((c) => [c.type, c.data.status, c.data.done_items, c.data.error_items])).toEqual([
      ['job.finished', 'DONE', 2, 0],
      ['job.finished', 'DONE', 1, 1],
      ['job.finished', 'DONE', 2, 0],
    ]);
  });
});
