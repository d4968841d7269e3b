import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { resourceDefinition } from '@ocr-jobs/contracts';
import type { Logger } from '@ocr-jobs/runtime';
import { QueryTypes, type Sequelize } from 'sequelize';

export interface OrphanSweepOptions {
  s3: S3Client;
  bucket: string;
  db: Sequelize;
  /**
   * Objects under jobs/ and results/ younger than this are left alone: a request in progress writes
   * its objects before the row that owns them commits, so this must exceed the longest request.
   */
  minAgeMs: number;
  /** Presigned uploads younger than this are left alone (at least the URL's lifetime). */
  uploadMinAgeMs: number;
  now?: Date;
}

export interface OrphanSweepResult {
  /** Keys under jobs/ and results/ that no job_items row accounts for. */
  orphans: string[];
  /** Presigned uploads under uploads/ never turned into a job (adopted ones are deleted by the API). */
  abandonedUploads: string[];
}

const { jobsPrefix, resultsPrefix, uploadsPrefix } = resourceDefinition.bucket;
const RESULT_KEY = /^results\/[^/]+\/([0-9a-f-]{36})\.json$/;

/**
 * Removes what a crash mid-request leaves in the bucket, the same way locally (s3rver) and in AWS:
 * objects under jobs/ and results/ older than `minAgeMs` that no job_items row owns (a jobs-api
 * killed between storing a file and committing the job; a result written for an item deleted
 * meanwhile), and presigned uploads older than `uploadMinAgeMs`. Ownership is looked up per listed
 * page, so memory stays bounded by the page size, not the table. Deleting is idempotent, so several
 * API tasks may sweep at once.
 */
export async function sweepOrphanObjects(options: OrphanSweepOptions): Promise<OrphanSweepResult> {
  const now = (options.now ?? new Date()).getTime();
  const orphans: string[] = [];
  for await (const keys of oldKeyPages(options, jobsPrefix, now - options.minAgeMs)) {
    const owned = await ownedFileKeys(options.db, keys);
    orphans.push(
      ...(await deleteKeys(
        options,
        keys.filter((k) => !owned.has(k)),
      )),
    );
  }
  for await (const keys of oldKeyPages(options, resultsPrefix, now - options.minAgeMs)) {
    const itemIds = keys.map((k) => RESULT_KEY.exec(k)?.[1]).filter((id): id is string => !!id);
    const existing = await existingItemIds(options.db, itemIds);
    const unowned = keys.filter((k) => !existing.has(RESULT_KEY.exec(k)?.[1] ?? ''));
    orphans.push(...(await deleteKeys(options, unowned)));
  }
  const abandonedUploads: string[] = [];
  for await (const keys of oldKeyPages(options, uploadsPrefix, now - options.uploadMinAgeMs))
    abandonedUploads.push(...(await deleteKeys(options, keys)));
  return { orphans, abandonedUploads };
}

/**
 * Sweeps now and then every `intervalMs` (the API tasks run it: they always run, workers scale to
 * zero). A failed round is logged and retried next time. Returns a stop function.
 */
export function startOrphanSweep(
  options: Omit<OrphanSweepOptions, 'now'> & { intervalMs: number; logger: Logger },
): () => void {
  const { intervalMs, logger, ...sweep } = options;
  let running = false;
  const round = async () => {
    if (running) return;
    running = true;
    const started = Date.now();
    try {
      const r = await sweepOrphanObjects(sweep);
      if (r.orphans.length + r.abandonedUploads.length > 0)
        logger.info('orphan sweep removed objects', {
          orphans: r.orphans.length,
          abandoned_uploads: r.abandonedUploads.length,
          s3_keys: [...r.orphans, ...r.abandonedUploads].slice(0, 50),
          duration_ms: Date.now() - started,
        });
    } catch (error) {
      logger.warn('orphan sweep failed; will retry', { error, duration_ms: Date.now() - started });
    } finally {
      running = false;
    }
  };
  void round();
  const timer = setInterval(() => void round(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

async function* oldKeyPages(
  options: Pick<OrphanSweepOptions, 's3' | 'bucket'>,
  prefix: string,
  cutoff: number,
): AsyncGenerator<string[]> {
  let token: string | undefined;
  do {
    const page = await options.s3.send(
      new ListObjectsV2Command({ Bucket: options.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    const keys = (page.Contents ?? [])
      .filter((o) => o.Key && (o.LastModified ?? new Date(0)).getTime() < cutoff)
      .map((o) => o.Key as string);
    if (keys.length > 0) yield keys;
    token = page.NextContinuationToken;
  } while (token);
}

async function ownedFileKeys(db: Sequelize, keys: string[]): Promise<Set<string>> {
  const rows = await db.query<{ s3_key: string }>('SELECT s3_key FROM job_items WHERE s3_key IN (:keys)', {
    replacements: { keys },
    type: QueryTypes.SELECT,
  });
  return new Set(rows.map((r) => r.s3_key));
}

async function existingItemIds(db: Sequelize, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.query<{ id: string }>('SELECT id FROM job_items WHERE id IN (:ids)', {
    replacements: { ids },
    type: QueryTypes.SELECT,
  });
  return new Set(rows.map((r) => r.id));
}

/** Deletes up to a listed page (≤ 1000 keys, DeleteObjects' limit) and returns the keys. */
async function deleteKeys(options: Pick<OrphanSweepOptions, 's3' | 'bucket'>, keys: string[]) {
  if (keys.length === 0) return keys;
  await options.s3.send(
    new DeleteObjectsCommand({
      Bucket: options.bucket,
      Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
    }),
  );
  return keys;
}
