import { randomUUID } from 'node:crypto';
import { CopyObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DependencyError, recordAwsCalls } from '@ocr-jobs/runtime';
import { ApiError, callAws, isAwsNotFound, notFound } from '../http/api-error';
import { acceptedMediaType, checkBmp, checkPixels, HEAD_BYTES } from './image-header';
import { headObject, readRange } from './object-store';
import { itemKey, safeFilename, tenantUploadFolder } from './keys';
import type { StoredFile } from '../jobs/create-job';

/**
 * A client for presigning only. Presigned PUTs must not carry the SDK's default request checksum
 * (it would be the checksum of an empty body, and S3 would refuse the real one).
 */
export function createPresigner(s3: S3Client): S3Client {
  const c = s3.config;
  // Recorded like every client: the URL is signed with the task role, so the PUT needs its permission.
  return recordAwsCalls(
    new S3Client({
      region: c.region,
      credentials: c.credentials,
      endpoint: c.endpoint,
      forcePathStyle: c.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    }),
  );
}

const FILENAME_META = 'filename';
/**
 * The size declared in the ticket, as object metadata signed into the URL. Where the store checks
 * signatures (S3) the PUT cannot change it; where it does not (the local stand-ins, a bucket open to
 * unsigned writes) neither the signed Content-Length is enforced, so adoptUpload compares it with the
 * object's real size. A client that rewrites both header and body there only fools itself: every
 * limit that protects the service is checked on the real object.
 */
const DECLARED_SIZE_META = 'declared-size';

export interface UploadRequest {
  filename: string;
  content_type: string;
  size: number;
}

/**
 * A presigned PUT URL for one file, bound (signed) to its Content-Type, size and filename header, in
 * the caller's tenant folder. The client PUTs with exactly `upload_headers`.
 */
export async function createUploadTicket(
  presigner: S3Client,
  bucket: string,
  tenant: string,
  request: UploadRequest,
  options: { ttlSeconds: number; maxFileBytes: number },
) {
  if (request.size > options.maxFileBytes)
    throw new ApiError(413, 'FILE_TOO_LARGE', `size exceeds MAX_FILE_BYTES (${options.maxFileBytes} bytes)`);
  const key = `${tenantUploadFolder(tenant)}${randomUUID()}`;
  const headers: Record<string, string> = {
    'Content-Type': request.content_type,
    [`x-amz-meta-${FILENAME_META}`]: encodeURIComponent(safeFilename(request.filename)),
    [`x-amz-meta-${DECLARED_SIZE_META}`]: String(request.size),
  };
  const uploadUrl = await callAws('s3', 'presign PutObject', () =>
    getSignedUrl(
      presigner,
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ContentType: request.content_type,
        ContentLength: request.size,
        Metadata: {
          [FILENAME_META]: headers[`x-amz-meta-${FILENAME_META}`] as string,
          [DECLARED_SIZE_META]: String(request.size),
        },
      }),
      {
        expiresIn: options.ttlSeconds,
        signableHeaders: new Set(['content-type', 'content-length']),
        unhoistableHeaders: new Set([`x-amz-meta-${FILENAME_META}`, `x-amz-meta-${DECLARED_SIZE_META}`]),
      },
    ),
  );
  return {
    upload_url: uploadUrl,
    key,
    upload_headers: headers,
    expires_in: options.ttlSeconds,
    expires_at: new Date(Date.now() + options.ttlSeconds * 1000).toISOString(),
  };
}

const UPLOAD_KEY = /^uploads\/[0-9a-f]{32}\/[0-9a-f-]{36}$/;

/**
 * Checks an uploaded object before it becomes an item: it is the caller's, it exists, it is within
 * the size limit and of the size its ticket declared, its first bytes are an accepted type and its pixel count is within the limit.
 * Then copies it to its item key. Nothing is deleted here; the caller cleans up.
 */
export async function adoptUpload(
  s3: S3Client,
  bucket: string,
  tenant: string,
  uploadKey: string,
  target: { jobId: string; maxFileBytes: number; maxImagePixels: number },
): Promise<StoredFile> {
  const missing = () => notFound('UPLOAD_NOT_FOUND', `no uploaded file at "${uploadKey}"`);
  if (!UPLOAD_KEY.test(uploadKey) || !uploadKey.startsWith(tenantUploadFolder(tenant))) throw missing();
  let head;
  try {
    head = await headObject(s3, bucket, uploadKey);
  } catch (error) {
    if (isAwsNotFound(error)) throw missing();
    throw new DependencyError('s3', 'HeadObject failed', { cause: error });
  }
  const bytes = Number(head.ContentLength ?? 0);
  const filename = safeFilename(decodeMeta(head.Metadata?.[FILENAME_META]) ?? uploadKey.split('/').pop());
  if (bytes === 0) throw new ApiError(422, 'EMPTY_FILE', `"${filename}" is empty`);
  if (bytes > target.maxFileBytes)
    throw new ApiError(
      413,
      'FILE_TOO_LARGE',
      `"${filename}" exceeds MAX_FILE_BYTES (${target.maxFileBytes} bytes)`,
    );
  const declared = head.Metadata?.[DECLARED_SIZE_META];
  if (declared !== String(bytes))
    throw new ApiError(
      422,
      'UPLOAD_SIZE_MISMATCH',
      declared === undefined
        ? `"${filename}" was not PUT with the upload_headers of its ticket (no declared size)`
        : `"${filename}" has ${bytes} bytes but its ticket declared ${declared}`,
    );
  const first = await readRange(s3, bucket, uploadKey, 0, Math.min(HEAD_BYTES, bytes));
  const type = acceptedMediaType(filename, first);
  checkBmp(filename, type, first, bytes);
  await checkPixels(filename, type, first, target.maxImagePixels, (offset, length) =>
    readRange(s3, bucket, uploadKey, offset, length),
  );
  const itemId = randomUUID();
  const s3Key = itemKey(target.jobId, itemId, type.ext);
  await callAws('s3', 'CopyObject', () =>
    s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: s3Key,
        CopySource: `${bucket}/${uploadKey}`,
        ContentType: type.mime,
        MetadataDirective: 'REPLACE',
      }),
    ),
  );
  return { itemId, filename, s3Key, contentType: type.mime, bytes, receivedAt: new Date() };
}

function decodeMeta(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
