import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ocrResultSchema, resultKey, type OcrResult } from '@ocr-jobs/contracts';
import { JobItem } from '@ocr-jobs/db';
import { DependencyError } from '@ocr-jobs/runtime';
import { ApiError, callAws, isAwsNotFound, notFound } from '../http/api-error';
import { findOwnedJob } from '../jobs/job-queries';

/**
 * The stored structured result of the caller's item: 404 for an unknown item or another tenant's,
 * 409 while the item is not finished (or when it failed: there is no result to give). `result` is null
 * when the item is DONE but its result object is gone (storage lost it): its text is still in the
 * database, so callers can serve `txt` (see {@link missingResult} for the other formats).
 */
export async function loadItemResult(
  s3: S3Client,
  bucket: string,
  tenant: string,
  jobId: string,
  itemId: string,
): Promise<{ item: JobItem; result: OcrResult | null }> {
  await findOwnedJob(tenant, jobId);
  const item = await JobItem.findOne({ where: { id: itemId, job_id: jobId } });
  if (!item) throw notFound('ITEM_NOT_FOUND', `no item ${itemId} in job ${jobId}`);
  if (item.status === 'ERROR')
    throw new ApiError(
      409,
      'ITEM_FAILED',
      `item ${itemId} failed and has no result: ${item.error_msg ?? 'unknown error'}`,
    );
  if (item.status !== 'DONE')
    throw new ApiError(
      409,
      'RESULT_NOT_READY',
      `item ${itemId} is ${item.status}; its result is not ready yet`,
    );
  return { item, result: await storedResult(s3, bucket, jobId, itemId) };
}

/** An item's stored structured result, or null when the object is gone (its text is still in the database). */
export async function storedResult(
  s3: S3Client,
  bucket: string,
  jobId: string,
  itemId: string,
): Promise<OcrResult | null> {
  let text: string;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: resultKey(jobId, itemId) }));
    text = (await object.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    if (isAwsNotFound(error)) return null;
    throw new DependencyError('s3', 'GetObject of a result failed', { cause: error });
  }
  return ocrResultSchema.parse(JSON.parse(text));
}

/** The stored upload of an item (at most MAX_FILE_BYTES). */
export async function storedOriginal(s3: S3Client, bucket: string, item: JobItem): Promise<Buffer> {
  return callAws('s3', 'GetObject of an original', async () => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: item.s3_key }));
    return Buffer.from((await object.Body?.transformToByteArray()) ?? []);
  });
}

/** The error for a format that needs the structured result when only the text survived. */
export function missingResult(itemId: string, format: string): ApiError {
  return notFound(
    'RESULT_NOT_FOUND',
    `item ${itemId} is done but its structured result is missing, so format=${format} cannot be built; format=txt still serves its text`,
  );
}
