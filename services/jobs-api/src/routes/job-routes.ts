import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import Router from '@koa/router';
import { z } from 'zod';
import {
  callbackUrl,
  createJobFromUploads,
  itemParams,
  jobIdParams,
  jobName,
  listJobsQuery,
  renameJobBody,
  resultQuery,
} from '../api/schemas';
import { validate } from '../api/validate';
import type { AppServices } from '../app-deps';
import { ApiError, badRequest } from '../http/api-error';
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
import { hocrDocument } from '../results/hocr-document';
import { loadItemResult, missingResult } from '../results/item-result';
import { receiveMultipart } from '../uploads/multipart-receiver';
import { adoptUpload } from '../uploads/presigned-uploads';
import { checkedUrl } from './webhook-routes';
import { deleteObjects } from '../uploads/object-store';

/** Multipart framing per file and the form fields, on top of the files' bytes. */
const MULTIPART_OVERHEAD = 64 * 1024;

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
    } else {
      ctx.type = 'application/xhtml+xml; charset=utf-8';
      ctx.body = hocrDocument(result, item.filename);
    }
  });

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
      limits: {
        maxFiles: settings.MAX_FILES,
        maxFileBytes: settings.MAX_FILE_BYTES,
        maxTotalBytes: settings.MAX_TOTAL_BYTES,
        maxImagePixels: settings.MAX_IMAGE_PIXELS,
      },
    });
    const stored = known ? [] : form.files.map((f) => f.s3Key);
    await withCleanup(stored, async () => {
      const { name, callback_url } = validate(z.object({ name: jobName, callback_url: callbackUrl }), {
        name: form.fields.name ?? null,
        callback_url: form.fields.callback_url,
      });
      const callback = callback_url ? checkedUrl(callback_url, settings).href : undefined;
      const languages = readLanguages(form.fields.languages);
      if (form.files.length === 0) throw badRequest('NO_FILES', 'send one or more files in field "images"');
      const fingerprint = requestFingerprint({
        name,
        callback,
        languages: form.fields.languages,
        files: form.files.map((f) => [f.filename, f.sha256]),
      });
      if (known) return replay(ctx, replayedJobId(known, fingerprint));
      const claim = idempotencyKey
        ? { key: idempotencyKey, fingerprint, ttlHours: settings.IDEMPOTENCY_TTL_HOURS }
        : undefined;
      await commit(ctx, {
        jobId,
        name,
        callbackUrl: callback,
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
      const claim = idempotencyKey
        ? { key: idempotencyKey, fingerprint, ttlHours: settings.IDEMPOTENCY_TTL_HOURS }
        : undefined;
      await commit(ctx, {
        jobId,
        name: body.name,
        callbackUrl: callback,
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
      languages: string;
      files: StoredFile[];
      claim?: IdempotencyClaim;
      discardOnReplay: string[];
    },
  ) {
    const { jobId, name, callbackUrl, languages, files, claim } = job;
    const caller = ctx.state.caller;
    const created = await oncePerKey(caller.tenant, claim, () =>
      createJob(db, {
        jobId,
        name,
        callbackUrl,
        languages,
        files,
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
