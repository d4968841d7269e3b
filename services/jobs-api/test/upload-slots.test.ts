import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Job } from '@ocr-jobs/db';
import { MiB, startHarness, type Harness } from './support/harness';
import { png } from './support/fixtures';

/** Sends a multipart body in steps and resolves to the answer's status once it comes. */
function slowRequest(h: Harness, name: string) {
  const req = http.request(`${h.baseUrl}/api/jobs`, {
    method: 'POST',
    headers: { 'x-api-key': h.keys.a, 'content-type': 'multipart/form-data; boundary=XYZ' },
  });
  const answered = new Promise<{ status: number; at: number }>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, at: performance.now() }));
    });
    req.on('error', reject);
  });
  req.write(`--XYZ\r\nContent-Disposition: form-data; name="name"\r\n\r\n${name}\r\n`);
  req.write('--XYZ\r\nContent-Disposition: form-data; name="images"; filename="a.png"\r\n');
  req.write('Content-Type: image/png\r\n\r\n');
  return {
    answered,
    write: (bytes: Buffer) => new Promise<void>((resolve) => req.write(bytes, () => resolve())),
    end: () => new Promise<void>((resolve) => req.end('\r\n--XYZ--\r\n', () => resolve())),
  };
}

// The slots are per process, not per dialect: SQLite only, to keep the suite lean.
describe('files beyond UPLOAD_CONCURRENCY', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite', { UPLOAD_CONCURRENCY: 1 });
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('wait for a slot instead of being refused, and are all stored', async () => {
    // Prepare: request A holds the only slot: half of its file is sent, then it pauses.
    const fileA = png(100, 100, 3 * MiB);
    const a = slowRequest(h, 'holds the slot');
    await a.write(fileA.subarray(0, fileA.length / 2));
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Act: request B sends a whole small file while A pauses; then A sends the rest.
    const b = slowRequest(h, 'waits for the slot');
    await b.write(png(10, 10));
    await b.end();
    const bFirst = await Promise.race([
      b.answered.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 1500)),
    ]);
    await a.write(fileA.subarray(fileA.length / 2));
    await a.end();
    const aSent = performance.now();
    const [answerA, answerB] = await Promise.all([a.answered, b.answered]);

    // Assess: B was not answered while A held the slot; it got its slot after A's file, and both
    // jobs exist.
    expect(bFirst).toBe(false);
    expect(answerA.status).toBe(201);
    expect(answerB.status).toBe(201);
    expect(answerB.at).toBeGreaterThan(aSent);
    expect(await Job.count()).toBe(2);
  }, 60_000);
});
