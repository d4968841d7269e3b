/**
 * The concurrent load (10 clients × 5 jobs × 3 images of multipart POST /api/jobs) and its
 * parts: used by the fault suite (every job must finish) and by `npm run bench` (its latency).
 */
import sharp from 'sharp';

/** One POST's outcome, as the client saw it. */
export interface PostOutcome {
  status: number;
  ms: number;
  jobId?: string;
  error?: string;
}

export interface LoadReport {
  outcomes: PostOutcome[];
  accepted: string[];
  serverErrors: number;
  p50: number;
  p99: number;
  wallMs: number;
}

export interface LoadOptions {
  apiUrl: string;
  apiKey: string;
  clients?: number;
  jobsPerClient?: number;
  imagesPerJob?: number;
}

/** Small distinct PNGs (distinct so every item is its own object and its own OCR result). */
export async function testImages(count: number, seed = 0): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      sharp({
        create: {
          width: 64 + ((seed + i) % 32),
          height: 48,
          channels: 3,
          background: { r: (seed * 7 + i * 13) % 256, g: 200, b: 255 },
        },
      })
        .png()
        .toBuffer(),
    ),
  );
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** POSTs one multipart job; never throws (a refused connection is status 0). */
export async function postJob(
  apiUrl: string,
  apiKey: string,
  name: string,
  images: Buffer[],
): Promise<PostOutcome> {
  const form = new FormData();
  form.append('name', name);
  images.forEach((image, i) =>
    form.append('images', new Blob([image], { type: 'image/png' }), `page-${i}.png`),
  );
  const started = performance.now();
  try {
    const res = await fetch(`${apiUrl}/api/jobs`, {
      method: 'POST',
      body: form,
      headers: { 'x-api-key': apiKey },
      signal: AbortSignal.timeout(60_000),
    });
    const body = (await res.json().catch(() => ({}))) as { id?: string; error?: { code?: string } };
    return {
      status: res.status,
      ms: performance.now() - started,
      ...(body.id ? { jobId: body.id } : {}),
      ...(body.error?.code ? { error: body.error.code } : {}),
    };
  } catch (error) {
    return { status: 0, ms: performance.now() - started, error: String(error) };
  }
}

/**
 * The load: `clients` concurrent clients, each creating `jobsPerClient` jobs of
 * `imagesPerJob` images one after another (default 10 × 5 × 3 = 50 POSTs, 150 items).
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const { clients = 10, jobsPerClient = 5, imagesPerJob = 3 } = options;
  const started = performance.now();
  const perClient = await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const outcomes: PostOutcome[] = [];
      for (let j = 0; j < jobsPerClient; j++) {
        const images = await testImages(imagesPerJob, c * jobsPerClient * imagesPerJob + j * imagesPerJob);
        outcomes.push(await postJob(options.apiUrl, options.apiKey, `load c${c} j${j}`, images));
      }
      return outcomes;
    }),
  );
  const outcomes = perClient.flat();
  const sorted = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  return {
    outcomes,
    accepted: outcomes.flatMap((o) => (o.status === 201 && o.jobId ? [o.jobId] : [])),
    serverErrors: outcomes.filter((o) => o.status >= 500 || o.status === 0).length,
    p50: Math.round(percentile(sorted, 50)),
    p99: Math.round(percentile(sorted, 99)),
    wallMs: Math.round(performance.now() - started),
  };
}
