import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import Router from '@koa/router';
import { z } from 'zod';
import { JobItem } from '@ocr-jobs/db';
import { formatPageRange, PageRangeError, parsePageRange, type PageSpans } from '@ocr-jobs/contracts';
import {
  callbackUrl,
  createJobFromUploads,
  itemParams,
  jobIdParams,
  jobResultQuery,
  jobName,
  listJobsQuery,
  pagesField,
  renameJobBody,
  reprocessItemBody,
  resultQuery,
} from '../api/schemas';
import { validate } from '../api/validate';
import type { AppServices } from '../app-deps';
import { ApiError, badRequest, notFound } from '../http/api-error';
import { traceparentOf } from '../http/traceparent';
import { createJob, type StoredFile } from '../jobs/create-job';
import { deleteJob } from '../jobs/delete-job';
import { jobLanguages } from '../jobs/job-languages';
import {
  findLiveKey,
  idempotencyKeyOf,
  oncePerKey,
  replayedJobId,
  requestFingerprint,
  type IdempotencyClaim,
} from '../jobs/idempotency';
import { findOwnedJob, itemsOf, listJobs } from '../jobs/job-queries';
import { jobDetailView, jobSummaryView } from '../jobs/job-view';
import { renameJob } from '../jobs/rename-job';
import { altoDocument } from '../results/alto-document';
import type { ReprocessOptions } from '../jobs/reprocess-options';
import { reprocessItem, retryJob, type RequeueContext } from '../jobs/requeue-items';
import { hocrDocument } from '../results/hocr-document';
import { loadItemResult, missingResult, storedOriginal } from '../results/item-result';
import { attachment, finishedJob, jobPdf, jobText, jobZip } from '../results/job-downloads';
import { searchablePdf } from '../results/searchable-pdf';
import { receiveMultipart } from '../uploads/multipart-receiver';
import { adoptUpload } from '../uploads/presigned-uploads';
import { checkedUrl } from './webhook-routes';
import { deleteObjects, readRange } from '../uploads/object-store';
import { checkPageRange } from '../uploads/page-count';

/** Multipart framing per file and the form fields, on top of the files' bytes. */
const MULTIPART_OVERHEAD = 64 * 1024;

/** A job's `pages`: null when absent or blank (every page); 400 INVALID_PAGE_RANGE saying what is wrong. */
function pagesOf(text: string | undefined): PageSpans | null {
  if (text === undefined || text.trim() === '') return null;
  try {
    return parsePageRange(text);
  } catch (error) {
    if (error instanceof PageRangeError) throw badRequest('INVALID_PAGE_RANGE', error.message);
    throw error;
  }
}

/** /api/jobs and everything under it. Every query is scoped by the caller's tenant. */
export function jobRoutes(services: AppServices): Router {
  const { db, clients, settings } = services;
  const bucket = settings.S3_BUCKET;
  const router = new Router();

  router.post('/api/jobs', async (ctx) => {
    if (ctx.request.is('multipart/form-data')) return createFromMultipart(ctx);
    if (ctx.request.is('application/json')) return createFromPresignedUploads(ctx);
    throw new ApiError(
      415,
      'UNSUPPORTED_CONTENT_TYPE',
      'POST /api/jobs takes multipart/form-data (name, images) or application/json (name, uploads)',
    );
  });

  router.get('/api/jobs', async (ctx) => {
    const query = validate(listJobsQuery, ctx.query);
    const limit = Math.min(query.limit ?? 20, settings.PAGE_LIMIT_MAX);
    const page = await listJobs(ctx.state.caller.tenant, {
      limit,
      cursor: query.cursor,
      status: query.status,
      hasErrors: query.has_errors === undefined ? undefined : query.has_errors === 'true',
    });
    ctx.body = { data: page.jobs.map(jobSummaryView), next_cursor: page.nextCursor };
  });

  router.get('/api/jobs/:id', async (ctx) => {
    const { id } = validate(jobIdParams, ctx.params, 'INVALID_ID');
    const job = await findOwnedJob(ctx.state.caller.tenant, id);
    ctx.body = jobDetailView(job, await itemsOf(id));
  });

  router.patch('/api/jobs/:id', async (ctx) => {
    const { id } = validate(jobIdParams, ctx.params, 'INVALID_ID');
    const { name } = validate(renameJobBody, ctx.request.body ?? {});
    const job = await renameJob(db, ctx.state.caller, id, name, ctx.state.requestId);
    services.nudge();
    ctx.state.log.info('job renamed', { job_id: id });
    ctx.body = jobDetailView(job, await itemsOf(id));
  });

  router.delete('/api/jobs/:id', async (ctx) => {
    const { id } = validate(jobIdParams, ctx.params, 'INVALID_ID');
    const { keys } = await deleteJob(db, clients.s3, bucket, ctx.state.caller, id, ctx.state.requestId);
    services.nudge();
    ctx.state.log.info('job deleted', { job_id: id, s3_keys: keys });
    ctx.status = 204;
  });

  router.get('/api/jobs/:id/items/:item_id', async (ctx) => {
    const { id, item_id } = validate(itemParams, ctx.params, 'INVALID_ID');
    const { format } = validate(resultQuery, ctx.query, 'INVALID_FORMAT');
    const { item, result } = await loadItemResult(clients.s3, bucket, ctx.state.caller.tenant, id, item_id);
    if (format === 'txt') {
      ctx.type = 'text/plain; charset=utf-8';
      // The database keeps the text too: it outlives a lost result object.
      ctx.body = result?.text ?? item.ocr_text ?? '';
    } else if (!result) {
      throw missingResult(item_id, format);
    } else if (format === 'json') {
      ctx.body = result;
    } else if (format === 'alto') {
      // ALTO has no registered media type of its own; it is served as the XML it is.
      ctx.type = 'application/xml; charset=utf-8';
      ctx.body = altoDocument(result, item.filename);
    } else if (format === 'pdf') {
      const started = Date.now();
      const pdf = await searchablePdf(await storedOriginal(clients.s3, bucket, item), result, item.filename);
      ctx.state.log.info('searchable PDF built', {
        job_id: id,
        item_id,
        s3_key: item.s3_key,
        pages: result.pages.length,
        bytes: pdf.length,
        duration_ms: Date.now() - started,
      });
      ctx.type = 'application/pdf';
      ctx.set('Content-Disposition', attachment(item.filename.replace(/\.[^.]*$/, ''), 'pdf'));
      ctx.body = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.length);
    } else {
      ctx.type = 'application/xhtml+xml; charset=utf-8';
      ctx.body = hocrDocument(result, item.filename);
    }
  });

  router.post('/api/jobs/:id/retry', async (ctx) => {
    const { id } = validate(jobIdParams, ctx.params, 'INVALID_ID');
    await requeueOnce(ctx, id, { op: 'retry', job: id }, (context) => retryJob(db, id, context));
  });

  router.post('/api/jobs/:id/items/:item_id/reprocess', async (ctx) => {
    const { id, item_id } = validate(itemParams, ctx.params, 'INVALID_ID');
    const options = await reprocessOptions(
      ctx.state.caller.tenant,
      id,
      item_id,
      validate(reprocessItemBody, ctx.request.body ?? {}),
    );
    await requeueOnce(ctx, id, { op: 'reprocess', job: id, item: item_id, ...options }, (context) =>
      reprocessItem(db, id, item_id, options, context),
    );
  });

  /**
   * Runs a retry or reprocess once per Idempotency-Key (the create route's records: the key names the
   * job, the fingerprint the request); a repeated key answers 202 with the job as it is now.
   */
  async function requeueOnce(
    ctx: Context,
    jobId: string,
    request: object,
    requeue: (context: RequeueContext) => Promise<unknown>,
  ) {
    const caller = ctx.state.caller;
    const key = idempotencyKeyOf(ctx.get('idempotency-key'));
    const fingerprint = requestFingerprint(request);
    const known = key ? await findLiveKey(caller.tenant, key) : null;
    let replayed = known !== null;
    if (known) replayedJobId(known, fingerprint);
    else {
      const claim = key ? { key, fingerprint, ttlHours: settings.IDEMPOTENCY_TTL_HOURS } : undefined;
      const outcome = await oncePerKey(caller.tenant, claim, () =>
        requeue({
          caller,
          bucket,
          requestId: ctx.state.requestId,
          traceparent: traceparentOf(ctx.get('traceparent')),
          idempotency: claim,
        }),
      );
      replayed = outcome.kind === 'replay';
      if (!replayed) {
        services.nudge();
        ctx.state.log.info('items re-queued', { job_id: jobId, ...request });
      }
    }
    if (replayed) ctx.set('Idempotency-Replayed', 'true');
    ctx.status = 202;
    ctx.set('Location', `/api/jobs/${jobId}`);
    ctx.body = jobDetailView(await findOwnedJob(caller.tenant, jobId), await itemsOf(jobId));
  }
  router.get('/api/jobs/:id/result', async (ctx) => {
    const { id } = validate(jobIdParams, ctx.params, 'INVALID_ID');
    const { format } = validate(jobResultQuery, ctx.query, 'INVALID_FORMAT');
    const { job, items } = await finishedJob(ctx.state.caller.tenant, id);
    const log = ctx.state.log.child({ job_id: id });
    if (format === 'txt') {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = jobText(job, items);
    } else if (format === 'pdf') {
      const { pdf, omitted } = await jobPdf(
        clients.s3,
        bucket,
        job,
        items,
        { maxBytes: settings.JOB_PDF_MAX_BYTES },
        log,
      );
      if (omitted.length > 0) ctx.set('Omitted-Items', omitted.join(', '));
      ctx.type = 'application/pdf';
      ctx.body = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.length);
    } else {
      ctx.type = 'application/zip';
      ctx.body = await jobZip(clients.s3, bucket, job, items, log);
    }
    ctx.set('Content-Disposition', attachment(job.name, format));
  });

  /**
   * A reprocess's options, checked as job creation checks them: languages the workers read (400
   * INVALID_LANGUAGES, 422 UNSUPPORTED_LANGUAGE), a page range (400 INVALID_PAGE_RANGE) that selects
   * some of the item's pages (422 PAGES_OUT_OF_RANGE), both normalised.
   */
  async function reprocessOptions(
    tenant: string,
    jobId: string,
    itemId: string,
    body: { languages?: string | undefined; pages?: string | null | undefined },
  ): Promise<ReprocessOptions> {
    const options: ReprocessOptions = {};
    if (body.languages !== undefined) options.languages = readLanguages(body.languages);
    if (body.pages === null) options.pages = null;
    else if (body.pages !== undefined) {
      const spans = pagesOf(body.pages);
      if (spans) {
        await findOwnedJob(tenant, jobId);
        const item = await JobItem.findOne({ where: { id: itemId, job_id: jobId } });
        if (!item) throw notFound('ITEM_NOT_FOUND', `no item ${itemId} in job ${jobId}`);
        await checkPages(
          [
            {
              filename: item.filename,
              contentType: item.content_type,
              s3Key: item.s3_key,
              bytes: Number(item.bytes),
            },
          ],
          spans,
        );
      }
      options.pages = spans && formatPageRange(spans);
    }
    return options;
  }

  /** The job's languages: the requested set if the workers read it (400/422 otherwise), else the default. */
  function readLanguages(requested: string | undefined): string {
    return jobLanguages(requested, services.languages, settings.OCR_DEFAULT_LANGUAGES);
  }

  /** Files streamed in the request body to S3, then one transaction. */
  async function createFromMultipart(ctx: Context) {
    const caller = ctx.state.caller;
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > settings.MAX_TOTAL_BYTES + settings.MAX_FILES * 1024 + MULTIPART_OVERHEAD)
      throw new ApiError(
        413,
        'REQUEST_TOO_LARGE',
        `the files exceed MAX_TOTAL_BYTES (${settings.MAX_TOTAL_BYTES} bytes) together`,
      );
    const idempotencyKey = idempotencyKeyOf(ctx.get('idempotency-key'));
    const known = idempotencyKey ? await findLiveKey(caller.tenant, idempotencyKey) : null;
    const jobId = randomUUID();
    const form = await receiveMultipart(ctx, {
      s3: clients.s3,
      bucket,
      jobId,
      log: ctx.state.log.child({ job_id: jobId }),
      // A key seen before: the files are only hashed to compare the request, not stored again.
      store: !known,
      uploadSlots: services.uploadSlots,
      limits: {
        maxFiles: settings.MAX_FILES,
        maxFileBytes: settings.MAX_FILE_BYTES,
        maxTotalBytes: settings.MAX_TOTAL_BYTES,
        maxImagePixels: settings.MAX_IMAGE_PIXELS,
      },
    });
    const stored = known ? [] : form.files.map((f) => f.s3Key);
    await withCleanup(stored, async () => {
      const fields = validate(z.object({ name: jobName, callback_url: callbackUrl, pages: pagesField }), {
        name: form.fields.name ?? null,
        callback_url: form.fields.callback_url,
        pages: form.fields.pages,
      });
      const { name, callback_url } = fields;
      const pages = pagesOf(fields.pages);
      const callback = callback_url ? checkedUrl(callback_url, settings).href : undefined;
      const languages = readLanguages(form.fields.languages);
      if (form.files.length === 0) throw badRequest('NO_FILES', 'send one or more files in field "images"');
      const fingerprint = requestFingerprint({
        name,
        callback,
        ...(pages ? { pages: formatPageRange(pages) } : {}),
        languages: form.fields.languages,
        files: form.files.map((f) => [f.filename, f.sha256]),
      });
      if (known) return replay(ctx, replayedJobId(known, fingerprint));
      await checkPages(form.files, pages);
      const claim = idempotencyKey
        ? { key: idempotencyKey, fingerprint, ttlHours: settings.IDEMPOTENCY_TTL_HOURS }
        : undefined;
      await commit(ctx, {
        jobId,
        name,
        callbackUrl: callback,
        pages,
        languages,
        files: form.files,
        claim,
        discardOnReplay: stored,
      });
    });
  }

  /** Objects the client already PUT with presigned URLs: verified, copied to item keys, then one transaction. */
  async function createFromPresignedUploads(ctx: Context) {
    const caller = ctx.state.caller;
    const body = validate(createJobFromUploads, ctx.request.body ?? {});
    const callback = body.callback_url ? checkedUrl(body.callback_url, settings).href : undefined;
    const pages = pagesOf(body.pages);
    const languages = readLanguages(body.languages);
    if (body.uploads.length > settings.MAX_FILES)
      throw new ApiError(
        413,
        'TOO_MANY_FILES',
        `more than MAX_FILES (${settings.MAX_FILES}) files in one job`,
      );
    if (new Set(body.uploads).size !== body.uploads.length)
      throw badRequest('DUPLICATE_UPLOAD', 'the same upload key is listed twice');
    const idempotencyKey = idempotencyKeyOf(ctx.get('idempotency-key'));
    const fingerprint = requestFingerprint({
      name: body.name,
      callback,
      ...(pages ? { pages: formatPageRange(pages) } : {}),
      languages: body.languages,
      uploads: body.uploads,
    });
    const known = idempotencyKey ? await findLiveKey(caller.tenant, idempotencyKey) : null;
    if (known) return replay(ctx, replayedJobId(known, fingerprint));
    const jobId = randomUUID();
    const copied: string[] = [];
    await withCleanup(copied, async () => {
      const files: StoredFile[] = [];
      const base = Date.now();
      for (const [index, key] of body.uploads.entries()) {
        const file = await adoptUpload(clients.s3, bucket, caller.tenant, key, {
          jobId,
          maxFileBytes: settings.MAX_FILE_BYTES,
          maxImagePixels: settings.MAX_IMAGE_PIXELS,
        });
        copied.push(file.s3Key);
        files.push({ ...file, receivedAt: new Date(base + index) });
      }
      await checkPages(files, pages);
      const claim = idempotencyKey
        ? { key: idempotencyKey, fingerprint, ttlHours: settings.IDEMPOTENCY_TTL_HOURS }
        : undefined;
      await commit(ctx, {
        jobId,
        name: body.name,
        callbackUrl: callback,
        pages,
        languages,
        files,
        claim,
        discardOnReplay: copied,
      });
    });
    // The uploads are now items; the bucket's lifecycle rule removes any left behind.
    await deleteObjects(clients.s3, bucket, body.uploads).catch((error: unknown) =>
      ctx.state.log.warn('could not delete adopted uploads', { err: error, job_id: jobId }),
    );
  }

  /** One transaction for the job; a concurrent request with the same key that won is replayed. */
  async function commit(
    ctx: Context,
    job: {
      jobId: string;
      name: string;
      callbackUrl: string | undefined;
      pages: PageSpans | null;
      languages: string;
      files: StoredFile[];
      claim?: IdempotencyClaim;
      discardOnReplay: string[];
    },
  ) {
    const { jobId, name, callbackUrl, languages, pages, files, claim } = job;
    const caller = ctx.state.caller;
    const created = await oncePerKey(caller.tenant, claim, () =>
      createJob(db, {
        jobId,
        name,
        callbackUrl,
        languages,
        files,
        pageRange: pages && formatPageRange(pages),
        bucket,
        caller,
        requestId: ctx.state.requestId,
        traceparent: traceparentOf(ctx.get('traceparent')),
        idempotency: claim,
      }),
    );
    if (created.kind === 'replay') {
      await discard(job.discardOnReplay);
      return replay(ctx, created.jobId);
    }
    services.nudge();
    ctx.state.log.info('job created', {
      job_id: jobId,
      items: files.length,
      languages,
      total_bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    });
    ctx.status = 201;
    ctx.set('Location', `/api/jobs/${jobId}`);
    ctx.body = jobDetailView(created.value.job, created.value.items);
  }

  async function replay(ctx: Context, jobId: string) {
    const job = await findOwnedJob(ctx.state.caller.tenant, jobId);
    ctx.status = 201;
    ctx.set('Idempotency-Replayed', 'true');
    ctx.set('Location', `/api/jobs/${jobId}`);
    ctx.body = jobDetailView(job, await itemsOf(jobId));
  }

  /**
   * Runs `work`; if it fails, the objects in `keys` (read at failure time) are deleted first, so a
   * refused or failed request leaves no objects (the transaction left no rows).
   */
  /** `pages` against each stored file's page count: 422 PAGES_OUT_OF_RANGE before anything is committed. */
  async function checkPages(
    files: Array<Pick<StoredFile, 'filename' | 'contentType' | 's3Key' | 'bytes'>>,
    pages: PageSpans | null,
  ) {
    if (!pages) return;
    for (const file of files) {
      const read = (offset: number, length: number) =>
        readRange(clients.s3, bucket, file.s3Key, offset, length);
      await checkPageRange(file, pages, { readAt: read, readAll: () => read(0, file.bytes) });
    }
  }

  async function withCleanup(keys: string[], work: () => Promise<void>) {
    try {
      await work();
    } catch (error) {
      await discard(keys);
      throw error;
    }
  }

  /** Deletes objects no job will own; a failure is logged (the bucket's lifecycle rule is the backstop). */
  async function discard(keys: string[]) {
    if (keys.length === 0) return;
    await deleteObjects(clients.s3, bucket, keys).catch((cleanupError: unknown) =>
      services.logger.error('could not delete the files of a failed job creation', {
        err: cleanupError,
        keys,
      }),
    );
  }

  return router;
}
