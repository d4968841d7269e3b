import fs from 'node:fs';
import path from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { QueryTypes } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';

export interface OrphanSweepOptions {
  s3: S3Client;
  bucket: string;
  /** A connection with no models bound (raw queries only). */
  db: Sequelize;
  /**
   * Objects younger than this are left alone: an upload in progress writes its objects before the
   * row that owns them commits. Also how old an unused presigned upload must be (its URL expired).
   */
  minAgeMs: number;
  /** s3rver's data directory, for multipart uploads that were never completed. */
  s3DataDir?: string;
  now?: Date;
}

export interface OrphanSweepResult {
  /** Keys under jobs/ and results/ that no item row accounts for. */
  orphans: string[];
  /** Presigned uploads under uploads/ never turned into a job. */
  abandonedUploads: string[];
  /** Incomplete multipart uploads (s3rver keeps their parts on disk until completed). */
  abandonedMultipart: string[];
}

/**
 * Removes what a crash mid-request leaves behind in the local S3 (in AWS a bucket lifecycle rule
 * covers uploads/ and incomplete multipart uploads; see README "Guarantees"):
 * - objects under jobs/ and results/ older than `minAgeMs` with no job_items row,
 * - presigned uploads under uploads/ older than `minAgeMs` (their URL has expired; adopted ones are
 *   copied to jobs/ and deleted by the API),
 * - s3rver's multipart upload folders older than `minAgeMs`.
 */
export async function sweepOrphans(options: OrphanSweepOptions): Promise<OrphanSweepResult> {
  const cutoff = (options.now ?? new Date()).getTime() - options.minAgeMs;
  const rows = await options.db.query<{ id: string; job_id: string; s3_key: string }>(
    'SELECT id, job_id, s3_key FROM job_items',
    { type: QueryTypes.SELECT },
  );
  const owned = new Set(rows.flatMap((r) => [r.s3_key, `results/${r.job_id}/${r.id}.json`]));
  const old = async (prefix: string) =>
    (await listKeys(options.s3, options.bucket, prefix)).filter((o) => o.modified.getTime() < cutoff);

  const orphans = [...(await old('jobs/')), ...(await old('results/'))]
    .map((o) => o.key)
    .filter((key) => !owned.has(key));
  const abandonedUploads = (await old('uploads/')).map((o) => o.key);
  await deleteKeys(options.s3, options.bucket, [...orphans, ...abandonedUploads]);

  const abandonedMultipart: string[] = [];
  if (options.s3DataDir) {
    // s3rver's layout: <dir>/<bucket>/._S3rver_uploads/<uploadId>/ (see its FilesystemStore).
    const uploads = path.join(options.s3DataDir, options.bucket, '._S3rver_uploads');
    for (const id of fs.existsSync(uploads) ? fs.readdirSync(uploads) : []) {
      const dir = path.join(uploads, id);
      if (fs.statSync(dir).mtimeMs >= cutoff) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      abandonedMultipart.push(id);
    }
  }
  return { orphans, abandonedUploads, abandonedMultipart };
}

async function listKeys(s3: S3Client, bucket: string, prefix: string) {
  const found: Array<{ key: string; modified: Date }> = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? [])
      if (o.Key) found.push({ key: o.Key, modified: o.LastModified ?? new Date(0) });
    token = page.NextContinuationToken;
  } while (token);
  return found;
}

async function deleteKeys(s3: S3Client, bucket: string, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
      }),
    );
  }
}
