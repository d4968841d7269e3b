import fs from 'node:fs';
import path from 'node:path';

/**
 * Removes s3rver's incomplete multipart uploads older than `minAgeMs` (a jobs-api killed mid-upload
 * leaves its parts on disk until completed). In AWS a lifecycle rule aborts them. Objects no row owns
 * and unused presigned uploads are swept by the jobs-api itself, locally and in AWS (@ocr-jobs/db
 * sweepOrphanObjects).
 */
export function sweepAbandonedMultipart(options: {
  s3DataDir: string;
  bucket: string;
  minAgeMs: number;
  now?: Date;
}): string[] {
  const cutoff = (options.now ?? new Date()).getTime() - options.minAgeMs;
  // s3rver's layout: <dir>/<bucket>/._S3rver_uploads/<uploadId>/ (see its FilesystemStore).
  const uploads = path.join(options.s3DataDir, options.bucket, '._S3rver_uploads');
  const removed: string[] = [];
  for (const id of fs.existsSync(uploads) ? fs.readdirSync(uploads) : []) {
    const dir = path.join(uploads, id);
    if (fs.statSync(dir).mtimeMs >= cutoff) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    removed.push(id);
  }
  return removed;
}
