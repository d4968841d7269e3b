import http from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { MiB, startHarness, type Harness } from './support/harness';
import { png } from './support/fixtures';

const FILES = 6;
const FILE_BYTES = 48 * MiB;

/**
 * A multipart body produced as it is sent: a PNG header and zeros, from one reused chunk, so the
 * test itself holds almost nothing of what it sends.
 */
function multipartBody(boundary: string, name: string, files: number, bytes: number): Readable {
  const zeros = Buffer.alloc(256 * 1024);
  return Readable.from(
    (async function* () {
      yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n${name}\r\n`);
      for (let f = 0; f < files; f++) {
        yield Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="images"; filename="big-${f}.png"\r\nContent-Type: image/png\r\n\r\n`,
        );
        const header = png(100, 100, 0);
        yield header;
        for (let sent = header.length; sent < bytes; sent += zeros.length)
          yield zeros.subarray(0, Math.min(zeros.length, bytes - sent));
        yield Buffer.from('\r\n');
      }
      yield Buffer.from(`--${boundary}--\r\n`);
    })(),
    { objectMode: false },
  );
}

// Memory use does not depend on the database dialect: SQLite only, to keep the suite lean.
describe('a large multipart upload', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite', { MAX_FILES: 10, MAX_FILE_BYTES: 64 * MiB, MAX_TOTAL_BYTES: 512 * MiB });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('streams to S3 with memory growth far below the bytes sent', async () => {
    const total = FILES * FILE_BYTES;
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakHeap = baseline.heapUsed;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakHeap = Math.max(peakHeap, now.heapUsed);
    }, 20);

    const boundary = 'memory-test-boundary';
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${h.baseUrl}/api/jobs`, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'x-api-key': h.keys.a },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      multipartBody(boundary, 'big', FILES, FILE_BYTES).pipe(req);
    });
    clearInterval(sampler);

    expect(response.status).toBe(201);
    const job = JSON.parse(response.body) as { items: Array<{ s3_key: string; bytes: number }> };
    expect(job.items).toHaveLength(FILES);
    for (const item of job.items) {
      expect(item.bytes).toBe(FILE_BYTES);
      const head = await h.stack.clients.s3.send(
        new HeadObjectCommand({ Bucket: h.stack.names.bucket, Key: item.s3_key }),
      );
      expect(head.ContentLength).toBe(FILE_BYTES);
    }
    const rssGrowth = peakRss - baseline.rss;
    const heapGrowth = peakHeap - baseline.heapUsed;
    process.stdout.write(
      `upload-memory: sent ${total / MiB} MiB; peak RSS growth ${(rssGrowth / MiB).toFixed(1)} MiB, peak heap growth ${(heapGrowth / MiB).toFixed(1)} MiB\n`,
    );
    // Buffering the files would grow by at least `total`; streaming holds a head and an S3 part or two.
    expect(rssGrowth).toBeLessThan(total / 3);
    expect(heapGrowth).toBeLessThan(total / 6);
  }, 180_000);
});
