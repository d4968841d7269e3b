import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import * as s from '../api/schemas';
import { authErrors, error, json, security } from './responses';
import { registerWebhookDocs } from './webhooks-document';

const TAGS = [
  { name: 'Jobs', description: 'Batches of files to read; one item per file' },
  { name: 'Items', description: "One file's OCR result" },
  { name: 'Uploads', description: 'Presigned uploads for large files' },
  { name: 'Languages', description: 'The languages files can be read in' },
  { name: 'Events', description: 'The audit trail' },
  { name: 'System', description: 'Health and readiness probes (no API key)' },
];

/**
 * The OpenAPI 3.1 document, generated from the zod schemas that validate the requests
 * (api/schemas.ts). Built once, on the first request for it.
 */
export function buildOpenApiDocument(): object {
  const r = new OpenAPIRegistry();
  r.registerComponent('securitySchemes', 'ApiKey', { type: 'apiKey', in: 'header', name: 'x-api-key' });

  r.registerPath({
    method: 'post',
    path: '/api/jobs',
    operationId: 'createJob',
    tags: ['Jobs'],
    summary: 'Create a job from uploaded files (multipart) or from presigned uploads (JSON)',
    security,
    request: {
      headers: s.idempotencyHeaders,
      body: {
        content: {
          'multipart/form-data': { schema: s.createJobMultipart },
          'application/json': { schema: s.createJobFromUploads },
        },
      },
    },
    responses: {
      201: json(s.jobDetail, 'The job, created (or the original one for a repeated Idempotency-Key)'),
      400: error(
        'Missing or invalid fields (INVALID_LANGUAGES: malformed languages; INVALID_PAGE_RANGE), malformed multipart or JSON',
      ),
      404: error('An upload key that does not exist or is not yours'),
      413: error('A limit (MAX_FILES, MAX_FILE_BYTES, MAX_TOTAL_BYTES) is exceeded'),
      415: error(
        'A file that is not JPEG, PNG, WebP, TIFF, BMP, GIF or PDF, a BMP variant that cannot be read (UNSUPPORTED_BMP), or an unsupported body type',
      ),
      422: error(
        "Image over MAX_IMAGE_PIXELS, unreadable image, broken BMP (CORRUPT_BMP), empty file, an upload of another size than its ticket declared (UPLOAD_SIZE_MISMATCH), pages selecting none of a file's pages (PAGES_OUT_OF_RANGE), Idempotency-Key reused, or a language the workers cannot read (UNSUPPORTED_LANGUAGE)",
      ),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'get',
    path: '/api/jobs',
    operationId: 'listJobs',
    tags: ['Jobs'],
    summary: "The caller's jobs, newest first (keyset pagination)",
    security,
    request: { query: s.listJobsQuery },
    responses: {
      200: json(s.jobList, 'A page of jobs'),
      400: error('Bad limit, status or cursor'),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'get',
    path: '/api/jobs/{id}',
    operationId: 'getJob',
    tags: ['Jobs'],
    summary: 'A job with its items',
    security,
    request: { params: s.jobIdParams },
    responses: {
      200: json(s.jobDetail, 'The job'),
      400: error('Not a UUID'),
      404: error('No such job'),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'patch',
    path: '/api/jobs/{id}',
    operationId: 'renameJob',
    tags: ['Jobs'],
    summary: 'Rename a job',
    security,
    request: {
      params: s.jobIdParams,
      body: { content: { 'application/json': { schema: s.renameJobBody } } },
    },
    responses: {
      200: json(s.jobDetail, 'The renamed job'),
      400: error('Invalid name'),
      404: error('No such job'),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'delete',
    path: '/api/jobs/{id}',
    operationId: 'deleteJob',
    tags: ['Jobs'],
    summary: 'Delete a job, its files and results',
    security,
    request: { params: s.jobIdParams },
    responses: { 204: { description: 'Deleted' }, 404: error('No such job'), ...authErrors },
  });
  r.registerPath({
    method: 'get',
    path: '/api/jobs/{id}/items/{item_id}',
    operationId: 'getItemResult',
    tags: ['Items'],
    summary: "An item's structured OCR result",
    description:
      'format=pdf: the pages of the file (a PDF\'s own pages, an image\'s frames) with the text invisibly on the words, so it can be searched and selected; pages read turned are shown as read. Its text layer is in WinAnsi (Latin-1): characters outside it lose their accents or become "?" there, never in json, txt or hocr.',
    security,
    request: { params: s.itemParams, query: s.resultQuery },
    responses: {
      200: {
        description:
          'json: the result document; txt: its text; hocr: an XHTML hOCR document; alto: an ALTO v4 XML document; pdf: a searchable PDF (attachment)',
        content: {
          'application/json': { schema: s.ocrResultView },
          'text/plain': { schema: { type: 'string' } },
          'application/xhtml+xml': { schema: { type: 'string' } },
          'application/xml': { schema: { type: 'string' } },
          'application/pdf': { schema: { type: 'string', format: 'binary' } },
        },
      },
      400: error('Bad id or format'),
      404: error('No such job or item, or the result is missing'),
      409: error('The item is not finished (RESULT_NOT_READY) or failed (ITEM_FAILED)'),
      415: error('format=pdf of a stored file of no known type (PDF_NOT_AVAILABLE_FOR_FORMAT)'),
      422: error('format=pdf of a stored file that cannot be read (PDF_NOT_AVAILABLE_FOR_FORMAT)'),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'get',
    path: '/api/jobs/{id}/result',
    operationId: 'getJobResult',
    tags: ['Jobs'],
    summary: "A finished job's results in one download",
    description:
      "txt: every item's text, each under a header with its number, filename and status (a failed item's error instead of text). pdf: one searchable PDF of the DONE items in order; items whose PDF cannot be built are left out and named in the Omitted-Items header. zip: one folder per item (`001-<filename>/`, sanitised) with `original.<ext>`, and `text.txt`, `result.json`, `result.hocr`, `searchable.pdf` for a DONE item or `error.txt` for a failed one; streamed. The file name (Content-Disposition) is the job's name, sanitised.",
    security,
    request: { params: s.jobIdParams, query: s.jobResultQuery },
    responses: {
      200: {
        description: 'The download (attachment)',
        headers: {
          'Omitted-Items': {
            description: 'pdf: ids of DONE items left out of the PDF, comma-separated',
            schema: { type: 'string' },
          },
        },
        content: {
          'text/plain': { schema: { type: 'string' } },
          'application/pdf': { schema: { type: 'string', format: 'binary' } },
          'application/zip': { schema: { type: 'string', format: 'binary' } },
        },
      },
      400: error('Bad id or format'),
      404: error('No such job'),
      409: error(
        'The job is still running (JOB_NOT_FINISHED), or format=pdf and no item succeeded (NO_RESULTS)',
      ),
      413: error(
        'format=pdf of a job whose files exceed JOB_PDF_MAX_BYTES (JOB_TOO_LARGE_FOR_PDF); use format=zip',
      ),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'post',
    path: '/api/jobs/{id}/retry',
    operationId: 'retryJob',
    tags: ['Jobs'],
    summary: "Re-queue the job's failed items",
    description:
      'Every ERROR item goes back to PENDING on its next run (its error cleared, error_items lowered, the job ' +
      'PROCESSING again with a renewed expires_at) and is read again; job.finished fires again when they finish.',
    security,
    request: { params: s.jobIdParams, headers: s.requeueHeaders },
    responses: {
      202: json(s.jobDetail, 'The job, its failed items re-queued'),
      400: error('Not a UUID, or a bad Idempotency-Key'),
      404: error('No such job'),
      409: error('No failed items (NOTHING_TO_RETRY) or the job expired (JOB_EXPIRED)'),
      422: error('Idempotency-Key reused with a different request'),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'post',
    path: '/api/jobs/{id}/items/{item_id}/reprocess',
    operationId: 'reprocessItem',
    tags: ['Items'],
    summary: 'Read one finished item again, optionally with other languages or pages',
    description:
      'A DONE or ERROR item goes back to PENDING on its next run, the job PROCESSING again with its counters ' +
      'lowered. Its result answers 409 RESULT_NOT_READY until the new run finishes.',
    security,
    request: {
      params: s.itemParams,
      headers: s.requeueHeaders,
      body: { required: false, content: { 'application/json': { schema: s.reprocessItemBody } } },
    },
    responses: {
      202: json(s.jobDetail, 'The job, the item re-queued'),
      400: error(
        'Bad id, body, languages (INVALID_LANGUAGES), pages (INVALID_PAGE_RANGE) or Idempotency-Key',
      ),
      404: error('No such job or item'),
      409: error('The item is still PENDING/PROCESSING (ITEM_IN_PROGRESS) or the job expired (JOB_EXPIRED)'),
      422: error(
        "Languages the workers cannot read (UNSUPPORTED_LANGUAGE), pages selecting none of the item's pages (PAGES_OUT_OF_RANGE), or Idempotency-Key reused",
      ),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'get',
    path: '/api/jobs/{id}/events',
    operationId: 'listJobEvents',
    tags: ['Events'],
    summary: "A job's audit trail, oldest first",
    security,
    request: { params: s.jobIdParams, query: s.pageQuery },
    responses: {
      200: json(s.eventList, 'A page of events'),
      400: error('Bad cursor'),
      404: error('No such job'),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'get',
    path: '/api/events',
    operationId: 'listTenantEvents',
    tags: ['Events'],
    summary: "The caller's tenant's audit events with since <= at < until, oldest first",
    security,
    request: { query: s.tenantEventsQuery },
    responses: {
      200: json(s.eventList, 'A page of events'),
      400: error('Bad since, until or cursor'),
      ...authErrors,
    },
  });
  r.registerPath({
    method: 'get',
    path: '/api/languages',
    operationId: 'listLanguages',
    tags: ['Languages'],
    summary: 'The languages the workers can read, each with its model, and the default for a job',
    security,
    responses: { 200: json(s.languageList, 'The languages'), ...authErrors },
  });
  r.registerPath({
    method: 'post',
    path: '/api/uploads',
    operationId: 'createUpload',
    tags: ['Uploads'],
    summary: 'A presigned PUT URL for a large file (15 minutes, bound to its type and size)',
    security,
    request: { body: { content: { 'application/json': { schema: s.createUploadBody } } } },
    responses: {
      201: json(s.uploadTicket, 'Where and how to PUT the file'),
      400: error('Invalid fields'),
      413: error('Over MAX_FILE_BYTES'),
      ...authErrors,
    },
  });
  registerWebhookDocs(r);
  r.registerPath({
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    tags: ['System'],
    summary: 'The process is up',
    security: [],
    responses: { 200: json(s.healthStatus, 'Up') },
  });
  r.registerPath({
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    tags: ['System'],
    summary: 'The database, the bucket and the queues answer',
    security: [],
    responses: {
      200: json(s.readiness, 'Ready'),
      503: json(s.readiness, 'A dependency does not answer'),
    },
  });

  return new OpenApiGeneratorV31(r.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'ocr-jobs API',
      version: '1.0.0',
      description: 'Asynchronous OCR jobs. Errors are `{"error":{"code","message"}}`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The host that serves this document' }],
    security,
    tags: TAGS,
  });
}
