import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { callAws } from '../http/api-error';

/** Deletes keys in batches of 1000 (the DeleteObjects maximum). Missing keys are not an error. */
export async function deleteObjects(s3: S3Client, bucket: string, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const result = await callAws('s3', 'DeleteObjects', () =>
      s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      ),
    );
    if (result.Errors?.length)
      throw new Error(`DeleteObjects left ${result.Errors.length} objects: ${result.Errors[0]?.Code ?? ''}`);
  }
}

/** `length` bytes of an object from `start` (fewer at its end). */
export async function readRange(
  s3: S3Client,
  bucket: string,
  key: string,
  start: number,
  length: number,
): Promise<Buffer> {
  return callAws('s3', 'GetObject (range)', async () => {
    const result = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${start + length - 1}` }),
    );
    return Buffer.from((await result.Body?.transformToByteArray()) ?? []);
  });
}

export async function headObject(s3: S3Client, bucket: string, key: string) {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}
