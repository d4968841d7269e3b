import { createHash } from 'node:crypto';
import { resourceDefinition } from '@ocr-jobs/contracts';

/** `jobs/{job_id}/{item_id}.{ext}`: built from ids and the detected type only, never from the client's filename. */
export const itemKey = (jobId: string, itemId: string, ext: string) =>
  `${resourceDefinition.bucket.jobsPrefix}${jobId}/${itemId}.${ext}`;

const UPLOADS_PREFIX = resourceDefinition.bucket.uploadsPrefix;

/** The key folder of a tenant's presigned uploads: a hash, so a tenant name never appears in a path. */
export const tenantUploadFolder = (tenant: string) =>
  `${UPLOADS_PREFIX}${createHash('sha256').update(tenant, 'utf8').digest('hex').slice(0, 32)}/`;

/** The client's filename for display: control characters removed, at most 255 characters. */
export function safeFilename(name: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  const clean = (name ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean.slice(0, 255) || 'unnamed';
}
