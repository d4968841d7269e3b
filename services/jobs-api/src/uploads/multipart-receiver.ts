import type { Context } from 'koa';
import multer from '@koa/multer';
import { OcrJobsError } from '@ocr-jobs/runtime';
import { ApiError, badRequest } from '../http/api-error';
import { S3UploadStorage, type ReceivedFile, type S3UploadStorageOptions } from './s3-upload-storage';

export type { ReceivedFile, UploadLimits } from './s3-upload-storage';

export interface ReceivedForm {
  fields: Record<string, string>;
  files: ReceivedFile[];
}

const FILE_FIELD = 'images';
const MAX_FIELDS = 20;
const MAX_FIELD_BYTES = 64 * 1024;

/**
 * Reads a multipart request with @koa/multer, each file streamed to S3 by {@link S3UploadStorage} as
 * it arrives, limits enforced while streaming. On any failure every object already written is deleted
 * before the error is thrown, so a refused request leaves nothing behind.
 */
export async function receiveMultipart(ctx: Context, options: S3UploadStorageOptions): Promise<ReceivedForm> {
  const { limits } = options;
  const upload = multer({
    storage: new S3UploadStorage(options),
    limits: {
      files: limits.maxFiles,
      fileSize: limits.maxFileBytes,
      fields: MAX_FIELDS,
      fieldSize: MAX_FIELD_BYTES,
      parts: limits.maxFiles + MAX_FIELDS,
    },
    fileFilter: (_req, file, accept) =>
      file.fieldname === FILE_FIELD
        ? accept(null, true)
        : accept(
            badRequest('UNEXPECTED_FILE_FIELD', `files go in field "${FILE_FIELD}", not "${file.fieldname}"`),
          ),
  });
  try {
    await upload.any()(ctx, async () => undefined);
  } catch (error) {
    throw multipartError(error, limits.maxFiles);
  }
  const body = (ctx.request as { body?: Record<string, unknown> }).body ?? {};
  const fields = Object.fromEntries(
    Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  const files = ((ctx as { files?: ReceivedFile[] }).files ?? []).map(
    ({ itemId, filename, s3Key, contentType, bytes, sha256, receivedAt }) => ({
      itemId,
      filename,
      s3Key,
      contentType,
      bytes,
      sha256,
      receivedAt,
    }),
  );
  return { fields, files };
}

/** multer's and busboy's errors as the API's; the storage engine's own errors pass unchanged. */
function multipartError(error: unknown, maxFiles: number): unknown {
  // Not `instanceof Error`: Node's own errors (a reset socket) may come from another realm.
  if (error instanceof OcrJobsError || typeof error !== 'object' || error === null) return error;
  const { code, message } = error as { code?: string; message?: string };
  switch (code) {
    case 'LIMIT_FILE_SIZE':
      return new ApiError(413, 'FILE_TOO_LARGE', 'a file exceeds MAX_FILE_BYTES');
    case 'LIMIT_FILE_COUNT':
      return new ApiError(413, 'TOO_MANY_FILES', `more than MAX_FILES (${maxFiles}) files in one job`);
    case 'LIMIT_FIELD_VALUE':
      return badRequest('FIELD_TOO_LONG', `a field is longer than 64 KiB`);
    case 'LIMIT_FIELD_COUNT':
      return badRequest('TOO_MANY_FIELDS', `more than ${MAX_FIELDS} form fields`);
    case 'LIMIT_PART_COUNT':
      return badRequest('TOO_MANY_PARTS', 'too many parts in the form');
    case 'ECONNRESET':
      return badRequest('REQUEST_ABORTED', 'the client closed the request');
  }
  // Anything else comes from the parser: no boundary, a broken part header, a body cut short.
  return badRequest('MALFORMED_MULTIPART', `not a valid multipart request: ${message ?? 'unreadable body'}`);
}
