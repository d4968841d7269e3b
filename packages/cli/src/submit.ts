import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createJobFromFiles, type JobDetail, type OcrClient } from '@ocr-jobs/client';
import { ok } from './api';
import { mapBounded } from './files';
import type { Counter } from './progress';

/** Bytes per batch request, under the API's MAX_TOTAL_BYTES (200 MiB by default). */
export const BATCH_BYTES = 100 * 1024 * 1024;

export interface SubmitOptions {
  name: string;
  languages?: string;
  /** Files per job. */
  batchSize: number;
  /** Batches uploading at once. */
  parallel: number;
}

export interface Submitted {
  job: JobDetail;
  /** The API answered with a job an earlier run created (same Idempotency-Key). */
  replayed: boolean;
}

/**
 * Uploads the files as jobs of at most `batchSize` files, `parallel` at a time. Each batch carries an
 * Idempotency-Key derived from the job name, its position and its files' contents, so running the
 * same command again (after a crash or Ctrl-C) gets the jobs already created back instead of new ones.
 */
export async function submitFiles(
  client: OcrClient,
  files: string[],
  options: SubmitOptions,
  uploaded: Counter,
): Promise<Submitted[]> {
  const batches = batchesOf(files, options.batchSize);
  let done = 0;
  return mapBounded(batches, options.parallel, async (batch, index) => {
    const name = batches.length > 1 ? `${options.name} (${index + 1}/${batches.length})` : options.name;
    const contents = batch.map((file) => fs.readFileSync(file));
    const idempotencyKey = `ocr-jobs-cli-${createHash('sha256')
      .update(JSON.stringify([name, options.languages ?? '', ...contents.map(sha256)]))
      .digest('hex')}`;
    // Multipart, not presigned uploads: a repeated multipart request has the same fingerprint, so the
    // Idempotency-Key replays it; fresh upload keys on a re-run would make the API refuse the key.
    const result = await createJobFromFiles(client, {
      name,
      files: batch.map((file, i) => ({
        filename: path.basename(file),
        data: new Blob([contents[i] as Buffer]),
      })),
      idempotencyKey,
      ...(options.languages ? { languages: options.languages } : {}),
    });
    const job = ok(result);
    done += batch.length;
    uploaded.update(done);
    return { job, replayed: result.response.headers.get('idempotency-replayed') === 'true' };
  });
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Consecutive batches of at most `size` files and BATCH_BYTES bytes (a larger file goes alone). */
export function batchesOf(files: string[], size: number): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const file of files) {
    const fileBytes = fs.statSync(file).size;
    if (current.length && (current.length >= size || bytes + fileBytes > BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += fileBytes;
  }
  if (current.length) batches.push(current);
  return batches;
}
