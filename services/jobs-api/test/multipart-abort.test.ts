import http from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Job } from '@ocr-jobs/db';
import { testDialects } from '@ocr-jobs/testing';
import winston from 'winston';
import { eventually, MiB, startHarness, type Harness } from './support/harness';
import { png } from './support/fixtures';

describe.each(testDialects())('a client that goes away mid-upload (%s)', (dialect) => {
  let h: Harness;
  const logged: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    h = await startHarness(dialect);
    // The request's outcome is only in the log: the client is gone before any answer.
    h.logger.clear();
    h.logger.add(
      new winston.transports.Stream({
        level: 'info',
        stream: new Writable({
          objectMode: true,
          write: (entry: Record<string, unknown>, _encoding, done) => {
            logged.push(entry);
            done();
          },
        }),
      }),
    );
    h.logger.silent = false;
    h.logger.level = 'info';
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('ends the request as REQUEST_ABORTED and stores nothing', async () => {
    // Prepare: a multipart request that sends the first MiB of a 3 MiB image, then hangs up.
    const file = png(100, 100, 3 * MiB);
    const req = http.request(`${h.baseUrl}/api/jobs`, {
      method: 'POST',
      headers: { 'x-api-key': h.keys.a, 'content-type': 'multipart/form-data; boundary=XYZ' },
    });
    req.on('error', () => undefined);
    req.write('--XYZ\r\nContent-Disposition: form-data; name="name"\r\n\r\ncut short\r\n');
    req.write('--XYZ\r\nContent-Disposition: form-data; name="images"; filename="a.png"\r\n');
    req.write('Content-Type: image/png\r\n\r\n');
    req.write(file.subarray(0, MiB));

    // Act: once the file is being received, the client goes away.
    await new Promise((resolve) => setTimeout(resolve, 300));
    req.destroy();

    // Assess: the request ends (it does not wait forever for the rest), with nothing stored.
    // (winston appends the meta's `message` to the line's.)
    const refused = await eventually(async () =>
      logged.find((e) => String(e.message).startsWith('request refused') && e.code === 'REQUEST_ABORTED'),
    );
    expect(refused).toBeDefined();
    expect(await Job.count()).toBe(0);
    const objects = await h.stack.clients.s3.send(
      new ListObjectsV2Command({ Bucket: h.stack.names.bucket, Prefix: 'jobs/' }),
    );
    expect(objects.Contents ?? []).toHaveLength(0);
  });
});
