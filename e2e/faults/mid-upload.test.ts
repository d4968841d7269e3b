import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { physicalNames } from '@ocr-jobs/contracts';
import { testImages, waitFor } from '@ocr-jobs/testing';
import { startFaultStack, type FaultStack } from './support/fault-stack';
import { orphanObjects } from './support/invariants';
import { pidOf } from './support/processes';

/**
 * jobs-api SIGKILLed in the middle of a multipart POST: the files it already stored have no row (the
 * job's transaction never ran). The jobs-api's orphan sweep (here: objects older than 3 s, every second)
 * removes them; nothing else is lost, since the client never got a 201.
 */
describe('jobs-api killed mid-upload', () => {
  let stack: FaultStack;
  let s3: S3Client;
  beforeAll(async () => {
    stack = await startFaultStack({
      env: { OCR_ENGINE: 'mock', ORPHAN_MIN_AGE_MS: '3000', ORPHAN_SWEEP_INTERVAL_MS: '1000' },
    });
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: stack.handle.s3Endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    s3.destroy();
    expect(await stack.stop()).toBe(0);
  });

  it('leaves no orphan objects once the sweep ran', async () => {
    // Prepare: a multipart body sent in pieces, so the request is still open after the first files.
    const boundary = 'fault-boundary-1234';
    const images = await testImages(3, 31);
    const part = (name: string, image: Buffer) =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="images"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n`,
        ),
        image,
        Buffer.from('\r\n'),
      ]);
    let feed!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => (feed = c) });
    const response = fetch(`${stack.apiUrl}/api/jobs`, {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { 'x-api-key': stack.apiKey, 'content-type': `multipart/form-data; boundary=${boundary}` },
    } as RequestInit).catch((error: unknown) => error);
    feed.enqueue(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nhalf\r\n`));
    feed.enqueue(Buffer.concat([part('a.png', images[0]!), part('b.png', images[1]!)]));
    feed.enqueue(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="images"; filename="c.png"\r\n`),
    );

    // Act: once files are in S3, kill the API before the request ends.
    const bucket = physicalNames('ocr-jobs-local').bucket;
    const stored = await waitFor(
      'two uploaded objects',
      async () => {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'jobs/' }));
        return (page.Contents?.length ?? 0) >= 2 ? page.Contents!.length : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    process.kill(pidOf(stack.child.pid!, 'jobs-api')!, 'SIGKILL');
    const outcome = await response;

    // Assess: the client saw no 201; the stored files were orphans and the sweep removed them.
    expect(outcome instanceof Response ? outcome.status : 'connection lost').not.toBe(201);
    expect(stored).toBeGreaterThanOrEqual(2);
    expect((await orphanObjects(stack.handle)).length).toBeGreaterThanOrEqual(2);
    await waitFor('no orphan objects', async () => (await orphanObjects(stack.handle)).length === 0, {
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    await waitFor('the sweep log line', () => stack.output.some((l) => l.includes('orphan sweep removed')), {
      timeoutMs: 10_000,
      intervalMs: 200,
    });
  });
});
