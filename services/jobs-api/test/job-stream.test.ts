import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Job } from '@ocr-jobs/db';
import { testDialects } from '@ocr-jobs/testing';
import { createApp } from '../src/app';
import { openJobStreams } from '../src/jobs/job-stream';
import { png } from './support/fixtures';
import { eventually, startHarness, type Harness } from './support/harness';

interface SseEvent {
  event?: string;
  id?: string;
  data?: Record<string, unknown>;
}

/** A real SSE client: GET with Accept: text/event-stream, events parsed as they arrive. */
function openStream(baseUrl: string, path: string, key: string) {
  const events: SseEvent[] = [];
  let raw = '';
  let status = 0;
  let ended = false;
  const request = http.get(`${baseUrl}${path}`, {
    headers: { 'x-api-key': key, accept: 'text/event-stream' },
  });
  const ready = new Promise<http.IncomingMessage>((resolve) => request.on('response', resolve));
  void ready.then((res) => {
    status = res.statusCode ?? 0;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      raw += chunk;
      let end: number;
      while ((end = raw.indexOf('\n\n')) >= 0) {
        const block = raw.slice(0, end);
        raw = raw.slice(end + 2);
        const event: SseEvent = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) events.push({ event: 'comment' });
          else if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('id: ')) event.id = line.slice(4);
          else if (line.startsWith('data: ')) event.data = JSON.parse(line.slice(6));
        }
        if (event.event) events.push(event);
      }
    });
    res.on('end', () => (ended = true));
  });
  return {
    events,
    ready,
    status: () => status,
    ended: () => ended,
    close: () => request.destroy(),
  };
}

describe.each(testDialects())('GET /api/jobs/{id}/stream on %s', (dialect) => {
  let h: Harness;
  let other: http.Server;
  let otherUrl: string;

  beforeAll(async () => {
    h = await startHarness(dialect, { STREAM_POLL_MS: 100, STREAM_HEARTBEAT_MS: 1000 });
    // A second API task on the same database: the stream follows changes made anywhere.
    const app = createApp({
      logger: h.logger,
      db: h.database.db,
      clients: h.stack.serviceClients,
      settings: h.settings,
      queueUrls: [],
    });
    other = http.createServer(app.callback());
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    other.closeAllConnections();
    await new Promise((resolve) => other.close(resolve));
    await h.stop();
  });

  const createJob = async (files: number) => {
    let req = h.api().post('/api/jobs').set('x-api-key', h.keys.a).field('name', 'streamed');
    for (let i = 0; i < files; i++) req = req.attach('images', png(20 + i, 20), { filename: `${i}.png` });
    const res = await req;
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('sends progress as items finish, heartbeats, and finished at the end', async () => {
    // Prepare
    const jobId = await createJob(2);
    const stream = openStream(otherUrl, `/api/jobs/${jobId}/stream`, h.keys.a);
    const res = await stream.ready;
    await eventually(async () => (stream.events.some((e) => e.event === 'progress') ? true : undefined));

    // Act: what the worker does, item by item (written through the other task's database).
    await Job.update({ status: 'PROCESSING', done_items: 1 }, { where: { id: jobId } });
    await eventually(async () =>
      stream.events.filter((e) => e.event === 'progress').length >= 2 ? true : undefined,
    );
    await eventually(async () => (stream.events.some((e) => e.event === 'comment') ? true : undefined));
    await Job.update({ status: 'DONE', done_items: 1, error_items: 1 }, { where: { id: jobId } });
    await eventually(async () => (stream.ended() ? true : undefined));

    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const named = stream.events.filter((e) => e.event !== 'comment');
    expect(named.map((e) => [e.event, e.data?.status, e.data?.progress_percent])).toEqual([
      ['progress', 'PENDING', 0],
      ['progress', 'PROCESSING', 50],
      ['progress', 'DONE', 100],
      ['finished', 'DONE', 100],
    ]);
    expect(named.at(-1)!.data).toMatchObject({
      job_id: jobId,
      total_items: 2,
      done_items: 1,
      error_items: 1,
    });
  }, 30_000);

  it('ends at once for a job that is already final', async () => {
    const jobId = await createJob(1);
    await Job.update({ status: 'DONE', done_items: 1 }, { where: { id: jobId } });
    const stream = openStream(h.baseUrl, `/api/jobs/${jobId}/stream`, h.keys.a);
    await eventually(async () => (stream.ended() ? true : undefined));
    expect(stream.events.map((e) => e.event)).toEqual(['progress', 'finished']);
  });

  it('stops polling when the client goes away', async () => {
    const jobId = await createJob(1);
    const stream = openStream(h.baseUrl, `/api/jobs/${jobId}/stream`, h.keys.a);
    await eventually(async () => (stream.events.some((e) => e.event === 'progress') ? true : undefined));
    expect(openJobStreams()).toBe(1);

    stream.close();

    await eventually(async () => (openJobStreams() === 0 ? true : undefined));
  });

  it("answers 404 for another tenant's job, like a missing one, and 400 for a bad id", async () => {
    const jobId = await createJob(1);
    const foreign = await h.api().get(`/api/jobs/${jobId}/stream`).set('x-api-key', h.keys.b);
    const bad = await h.api().get('/api/jobs/nope/stream').set('x-api-key', h.keys.a);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('JOB_NOT_FOUND');
    expect(bad.status).toBe(400);
  });
});
