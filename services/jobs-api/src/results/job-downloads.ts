import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ACCEPTED_TYPES, resultKey } from '@ocr-jobs/contracts';
import type { Job, JobItem } from '@ocr-jobs/db';
import { DependencyError, type Logger } from '@ocr-jobs/runtime';
import { ZipFile } from 'yazl';
import { ApiError, callAws, isAwsNotFound } from '../http/api-error';
import { findOwnedJob, itemsOf } from '../jobs/job-queries';
import { headObject } from '../uploads/object-store';
import { hocrDocument } from './hocr-document';
import { storedOriginal, storedResult } from './item-result';
import { appendSearchablePages, newSearchableDocument, searchablePdf } from './searchable-pdf';

/**
 * The caller's job and its items, once every item has finished. A job still running answers 409: a
 * whole-job download that silently lacked the items still being read would look complete; each
 * finished item is already served by GET /api/jobs/{id}/items/{item_id}.
 */
export async function finishedJob(tenant: string, jobId: string): Promise<{ job: Job; items: JobItem[] }> {
  const job = await findOwnedJob(tenant, jobId);
  if (job.status === 'PENDING' || job.status === 'PROCESSING')
    throw new ApiError(
      409,
      'JOB_NOT_FINISHED',
      `job ${jobId} is ${job.status}; its downloads are ready when every item has finished`,
    );
  return { job, items: await itemsOf(jobId) };
}

/** A name safe as a file or zip entry name: letters, digits, `.`, `-`, `_`; never empty, never hidden. */
export function safeFileName(name: string, fallback = 'item'): string {
  const safe = name
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[._]+|[._]+$/g, '')
    .slice(0, 80);
  return safe.length > 0 ? safe : fallback;
}

/** `attachment` with the job's (or item's) name, sanitised, as both an ASCII fallback and the UTF-8 form. */
export function attachment(jobName: string, extension: string): string {
  const name = `${safeFileName(jobName, 'download')}.${extension}`;
  const ascii = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** The client's filename on one line (it is shown in headers, never used as a path). */
const oneLine = (text: string) => text.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ');

/**
 * All items' text in one file: a header per item (its number, filename and status; a failed item's
 * error), then its text. Read from the database, which keeps every DONE item's text.
 */
export function jobText(job: Job, items: JobItem[]): string {
  const parts = [`# ${oneLine(job.name)} (${job.status}, ${items.length} items)\n`];
  for (const [index, item] of items.entries()) {
    parts.push(`\n==> ${index + 1}/${items.length} ${oneLine(item.filename)} [${item.status}] <==\n`);
    if (item.status === 'DONE') parts.push(`${item.ocr_text ?? ''}\n`);
    else parts.push(`error: ${oneLine(item.error_msg ?? 'unknown error')}\n`);
  }
  return parts.join('');
}

/**
 * One searchable PDF of every DONE item, in the job's order, built item by item into one document.
 * Items whose PDF cannot be built (the structured result is lost, or the format has no PDF yet) are
 * left out and returned in `omitted`.
 */
export async function jobPdf(
  s3: S3Client,
  bucket: string,
  job: Job,
  items: JobItem[],
  limits: { maxBytes: number },
  log: Logger,
): Promise<{ pdf: Uint8Array; omitted: string[] }> {
  const done = items.filter((item) => item.status === 'DONE');
  const bytes = done.reduce((sum, item) => sum + item.bytes, 0);
  if (bytes > limits.maxBytes)
    throw new ApiError(
      413,
      'JOB_TOO_LARGE_FOR_PDF',
      `the job's files take ${bytes} bytes, more than JOB_PDF_MAX_BYTES (${limits.maxBytes}) for one PDF; format=zip has each item's searchable PDF`,
    );
  if (done.length === 0)
    throw new ApiError(
      409,
      'NO_RESULTS',
      `no item of job ${job.id} succeeded, so there is nothing to put in a PDF`,
    );
  const doc = await newSearchableDocument(job.name);
  const omitted: string[] = [];
  for (const item of done) {
    const started = Date.now();
    const result = await storedResult(s3, bucket, job.id, item.id);
    if (!result) {
      omitted.push(item.id);
      continue;
    }
    await appendSearchablePages(doc, await storedOriginal(s3, bucket, item), result);
    log.info('item added to the job PDF', {
      job_id: job.id,
      item_id: item.id,
      s3_key: item.s3_key,
      pages: result.pages.length,
      duration_ms: Date.now() - started,
    });
  }
  if (omitted.length > 0) log.warn('items left out of the job PDF', { job_id: job.id, item_ids: omitted });
  return { pdf: await doc.save(), omitted };
}

const EXTENSIONS: Record<string, string> = Object.fromEntries(
  ACCEPTED_TYPES.map((t) => [t.mime, t.kind === 'jpeg' ? 'jpg' : t.kind]),
);

/**
 * A zip of every item's files, streamed: one folder per item (`001-<sanitised filename>/`, so names
 * are unique and no client name is a path) with `original.<ext>`, and for a DONE item `text.txt`,
 * `result.json`, `result.hocr` and `searchable.pdf`; a failed item has `error.txt`. Each entry is
 * fetched or built only when the zip reaches it, so one item's files are in memory at a time.
 */
export async function jobZip(
  s3: S3Client,
  bucket: string,
  job: Job,
  items: JobItem[],
  log: Logger,
): Promise<Readable> {
  const zip = new ZipFile();
  const width = Math.max(3, String(items.length).length);
  for (const [index, item] of items.entries()) {
    const folder = `${String(index + 1).padStart(width, '0')}-${safeFileName(item.filename)}`;
    const lazy = (name: string, make: () => Promise<Buffer | Readable>) =>
      zip.addReadStreamLazy(`${folder}/${name}`, (cb) => {
        make().then(
          (body) => cb(null, Buffer.isBuffer(body) ? Readable.from([body]) : body),
          (error: unknown) => cb(error as Error, Readable.from([])),
        );
      });
    lazy(`original.${EXTENSIONS[item.content_type] ?? 'bin'}`, () => objectStream(s3, bucket, item.s3_key));
    if (item.status !== 'DONE') {
      zip.addBuffer(Buffer.from(`${item.error_msg ?? 'unknown error'}\n`), `${folder}/error.txt`);
      continue;
    }
    zip.addBuffer(Buffer.from(item.ocr_text ?? ''), `${folder}/text.txt`);
    // A result object that storage lost leaves only the text (which the database keeps).
    if (!(await resultExists(s3, bucket, job.id, item.id))) continue;
    lazy('result.json', () => objectStream(s3, bucket, resultKey(job.id, item.id)));
    lazy('result.hocr', async () => {
      const result = await storedResult(s3, bucket, job.id, item.id);
      return Buffer.from(hocrDocument(result!, item.filename));
    });
    lazy('searchable.pdf', async () => {
      const result = await storedResult(s3, bucket, job.id, item.id);
      const original = await storedOriginal(s3, bucket, item);
      return Buffer.from(await searchablePdf(original, result!, item.filename));
    });
  }
  zip.end();
  const output = zip.outputStream as Readable;
  const started = Date.now();
  output.on('end', () =>
    log.info('job zip sent', { job_id: job.id, items: items.length, duration_ms: Date.now() - started }),
  );
  // Headers are sent by then: a failure can only cut the download short (a zip without its
  // directory, which no unzip accepts), never pass for a complete one.
  zip.on('error', (error: unknown) => {
    log.error('job zip failed while streaming', { err: error, job_id: job.id });
    output.destroy(error as Error);
  });
  return output;
}

async function objectStream(s3: S3Client, bucket: string, key: string): Promise<Readable> {
  return callAws('s3', 'GetObject', async () => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return object.Body as Readable;
  });
}

async function resultExists(s3: S3Client, bucket: string, jobId: string, itemId: string): Promise<boolean> {
  try {
    await headObject(s3, bucket, resultKey(jobId, itemId));
    return true;
  } catch (error) {
    if (isAwsNotFound(error)) return false;
    throw new DependencyError('s3', 'HeadObject of a result failed', { cause: error });
  }
}
