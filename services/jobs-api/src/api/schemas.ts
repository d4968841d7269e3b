import { z } from 'zod';
import {
  ACCEPTED_TYPES,
  AUDIT_ACTIONS,
  ITEM_STATUSES,
  JOB_STATUSES,
  ocrResultSchema,
} from '@ocr-jobs/contracts';

/**
 * The schemas that validate requests and describe responses. /openapi.json is generated from these
 * same objects (see openapi/document.ts), so the documentation cannot drift from the validation.
 */

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'JOB_NOT_FOUND' }),
      message: z.string().meta({ example: 'no job 0b8e… for this API key' }),
    }),
  })
  .meta({ id: 'Error' });

export const jobName = z
  .string({ message: 'expected a string' })
  .trim()
  .min(1, { message: 'must be 1-255 characters' })
  .max(255, { message: 'must be 1-255 characters' })
  .meta({ example: 'invoices march' });

const uuidExample = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
export const jobIdParams = z.object({
  id: z.uuid({ message: 'expected a UUID' }).meta({ example: uuidExample }),
});
export const itemParams = z.object({
  id: z.uuid({ message: 'expected a UUID' }).meta({ example: uuidExample }),
  item_id: z.uuid({ message: 'expected a UUID' }).meta({ example: '0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a' }),
});

const limit = z.coerce
  .number({ message: 'expected a whole number >= 1' })
  .int({ message: 'expected a whole number >= 1' })
  .min(1, { message: 'expected a whole number >= 1' })
  .optional()
  .meta({ description: 'Page size; capped at the server maximum (100 by default)', example: 20 });
const cursor = z.string().max(2048).optional().meta({ description: 'The next_cursor of the previous page' });

export const listJobsQuery = z.object({
  limit,
  cursor,
  status: z.enum(JOB_STATUSES, { message: `expected one of ${JOB_STATUSES.join(', ')}` }).optional(),
  has_errors: z
    .enum(['true', 'false'], { message: 'expected true or false' })
    .optional()
    .meta({ description: 'true: only jobs with failed items (error_items > 0); false: only jobs without' }),
});

export const pageQuery = z.object({ limit, cursor });

const isoInstant = z.iso.datetime({
  offset: true,
  message: 'expected an ISO-8601 date-time, e.g. 2025-01-31T00:00:00Z',
});
export const tenantEventsQuery = z.object({
  since: isoInstant.meta({ description: 'Inclusive start (ISO-8601)' }),
  until: isoInstant.meta({ description: 'Exclusive end (ISO-8601)' }),
  limit,
  cursor,
});

const RESULT_FORMATS = ['json', 'txt', 'hocr', 'alto', 'pdf'] as const;
export const resultQuery = z.object({
  format: z.enum(RESULT_FORMATS, { message: `expected one of ${RESULT_FORMATS.join(', ')}` }).default('json'),
});

export const reprocessItemBody = z
  .strictObject(
    {
      languages: z
        .string({ message: 'expected a string' })
        .max(128, { message: 'must be at most 128 characters' })
        .optional()
        .meta({
          description: "Read with these languages from now on (tesseract's form)",
          example: 'por+eng',
        }),
      pages: z
        .string({ message: 'expected a page range or null' })
        .max(256, { message: 'must be at most 256 characters' })
        .nullable()
        .optional()
        .meta({
          description: 'Pages of a PDF or TIFF to read (`1-3,7`); null: every page',
          example: '1-3,7',
        }),
    },
    { message: 'expected only languages and pages' },
  )
  .meta({ id: 'ReprocessItem' });

const JOB_RESULT_FORMATS = ['txt', 'pdf', 'zip'] as const;
export const jobResultQuery = z.object({
  format: z
    .enum(JOB_RESULT_FORMATS, { message: `expected one of ${JOB_RESULT_FORMATS.join(', ')}` })
    .default('zip')
    .meta({
      description:
        "txt: every item's text with a header per item; pdf: one searchable PDF of the DONE items; zip: every item's files",
    }),
});

export const renameJobBody = z.object({ name: jobName }).meta({ id: 'RenameJob' });

export const callbackUrl = z
  .string({ message: 'expected a URL' })
  .max(2048, { message: 'must be at most 2048 characters' })
  .optional()
  .meta({
    description: "Receives this job's job.finished, signed with the tenant secret (GET /api/webhooks/secret)",
    example: 'https://hooks.example.com/ocr-done',
  });

export const pagesField = z.string({ message: 'expected a page range like "1-3,7"' }).optional().meta({
  description:
    "Pages of each PDF or TIFF to read: `N`, `N-M` and comma lists (`1-3,7`), 1-based, spaces allowed; absent or blank: every page. Pages past a file's end are skipped; a range selecting none of a file's pages is refused (422 PAGES_OUT_OF_RANGE); a one-page image needs page 1. Applies to every file of the job.",
  example: '1-3,7',
});

export const jobLanguages = z
  .string({ message: 'expected a string such as "por" or "por+eng"' })
  .optional()
  .meta({
    description:
      "Languages to read the files in: tesseract's codes joined by + (the first leads), from GET /api/languages. Default: the server's OCR_DEFAULT_LANGUAGES (eng)",
    example: 'por+eng',
  });

export const createJobMultipart = z
  .object({
    name: jobName,
    callback_url: callbackUrl,
    pages: pagesField,
    languages: jobLanguages,
    images: z.array(z.string().meta({ format: 'binary' })).meta({
      description: 'One or more files: JPEG, PNG, WebP, TIFF, BMP, GIF or PDF (decided by content)',
    }),
  })
  .meta({ id: 'CreateJobMultipart' });

export const createJobFromUploads = z
  .object({
    name: jobName,
    callback_url: callbackUrl,
    pages: pagesField,
    languages: jobLanguages,
    uploads: z
      .array(z.string().min(1).max(512), { message: 'expected an array of upload keys' })
      .min(1, { message: 'expected at least one upload key' })
      .meta({ description: 'Keys handed out by POST /api/uploads, objects already PUT' }),
  })
  .meta({ id: 'CreateJobFromUploads' });

export const createUploadBody = z
  .object({
    filename: z.string().trim().min(1).max(255).meta({ example: 'scan-001.tiff' }),
    content_type: z.enum(ACCEPTED_TYPES.map((t) => t.mime) as [string, ...string[]], {
      message: `expected one of ${ACCEPTED_TYPES.map((t) => t.mime).join(', ')}`,
    }),
    size: z
      .number({ message: 'expected the size in bytes' })
      .int({ message: 'expected the size in bytes' })
      .min(1, { message: 'expected at least 1 byte' }),
  })
  .meta({ id: 'CreateUpload' });

export const uploadTicket = z
  .object({
    upload_url: z.url().meta({ description: 'PUT the file here with the declared Content-Type and size' }),
    key: z.string().meta({ description: 'Pass it in `uploads` of POST /api/jobs' }),
    upload_headers: z
      .record(z.string(), z.string())
      .meta({ description: 'Headers the PUT must carry exactly (they are part of the signature)' }),
    expires_in: z.number().int().meta({ description: 'Seconds the URL stays valid' }),
    expires_at: z.iso.datetime(),
  })
  .meta({ id: 'UploadTicket' });

const instant = z.iso.datetime();

const jobSummary = z
  .object({
    id: z.uuid(),
    name: z.string(),
    status: z.enum(JOB_STATUSES),
    created_at: instant,
    total_items: z.number().int(),
    done_items: z.number().int(),
    error_items: z.number().int(),
    expires_at: instant.meta({ description: 'The OCR queue retention deadline of the job' }),
  })
  .meta({ id: 'JobSummary' });

const jobItem = z
  .object({
    id: z.uuid(),
    filename: z.string().meta({ description: "The client's filename, for display only" }),
    s3_key: z.string(),
    content_type: z.string(),
    bytes: z.number().int(),
    status: z.enum(ITEM_STATUSES),
    ocr_text: z.string().nullable().meta({ description: 'Set when the item is DONE' }),
    confidence: z.number().nullable(),
    error_msg: z.string().nullable(),
    pages: z.string().nullable().meta({ description: 'The page range read (`1-3,7`), null for every page' }),
    languages: z
      .string()
      .meta({ description: "The languages it is read with (tesseract's form)", example: 'por+eng' }),
    created_at: instant,
    finished_at: instant.nullable(),
  })
  .meta({ id: 'JobItem' });

export const jobDetail = z
  .object({
    id: z.uuid(),
    name: z.string(),
    status: z.enum(JOB_STATUSES),
    created_at: instant,
    updated_at: instant,
    expires_at: instant,
    total_items: z.number().int(),
    done_items: z.number().int(),
    error_items: z.number().int(),
    progress_percent: z.number().int().min(0).max(100),
    languages: z.string().meta({
      description: "The languages the job's files are read with (tesseract's form)",
      example: 'por+eng',
    }),
    items: z.array(jobItem),
  })
  .meta({ id: 'JobDetail' });

export const jobList = z
  .object({ data: z.array(jobSummary), next_cursor: z.string().nullable() })
  .meta({ id: 'JobList' });

const auditEventView = z
  .object({
    event_id: z.uuid(),
    at: instant,
    action: z.enum(AUDIT_ACTIONS),
    actor: z.string(),
    tenant: z.string(),
    job_id: z.uuid().optional(),
    item_id: z.uuid().optional(),
    request_id: z.string().optional(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });

export const eventList = z
  .object({ data: z.array(auditEventView), next_cursor: z.string().nullable() })
  .meta({ id: 'AuditEventList' });

export const ocrResultView = ocrResultSchema.meta({ id: 'OcrResult' });

export const requeueHeaders = z.object({
  'idempotency-key': z.string().optional().meta({
    description: 'Repeating it within 24 h with the same request answers 202 with the job, changing nothing',
  }),
});

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .meta({ description: 'Repeating it within 24 h with the same request returns the original job' }),
  traceparent: z
    .string()
    .optional()
    .meta({ description: 'W3C trace context, passed on to the OCR messages' }),
});

export const languageList = z
  .object({
    data: z.array(
      z
        .object({
          code: z.string().meta({ description: "tesseract's code, used in `languages`", example: 'por' }),
          name: z.string().meta({ example: 'Portuguese' }),
          model: z.enum(['best', 'fast']).meta({
            description:
              "best: tesseract's best_int model (npm); fast: tesseract's fast model (a tessdata directory), for a language without a best one or with OCR_MODEL=fast",
          }),
        })
        .meta({ id: 'Language' }),
    ),
    default: z.string().meta({ description: 'The languages of a job that names none', example: 'eng' }),
  })
  .meta({ id: 'LanguageList' });

export const healthStatus = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const readiness = z
  .object({
    status: z.enum(['ready', 'not ready']),
    checks: z.record(z.string(), z.unknown()).meta({ description: 'One entry per dependency' }),
  })
  .meta({ id: 'Readiness' });

export type JobSummaryView = z.infer<typeof jobSummary>;
export type JobDetailView = z.infer<typeof jobDetail>;
export type JobItemView = z.infer<typeof jobItem>;
export type LanguageListView = z.infer<typeof languageList>;
