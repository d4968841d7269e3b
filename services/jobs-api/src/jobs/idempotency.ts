import { createHash } from 'node:crypto';
import { Op, UniqueConstraintError, type Transaction } from 'sequelize';
import { IdempotencyKey } from '@ocr-jobs/db';
import { ApiError, badRequest } from '../http/api-error';

export interface IdempotencyClaim {
  key: string;
  /** SHA-256 of what identifies the request (name and each file's content hash, or the upload keys). */
  fingerprint: string;
  ttlHours: number;
}

/** The `Idempotency-Key` header, validated; undefined when absent. */
export function idempotencyKeyOf(header: string): string | undefined {
  if (header === '') return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(header))
    throw badRequest('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-255 visible ASCII characters');
  return header;
}

export function requestFingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('hex');
}

/** The tenant's unexpired record of a key, if any. */
export function findLiveKey(tenant: string, key: string, transaction?: Transaction) {
  return IdempotencyKey.findOne({
    where: { tenant, idempotency_key: key, expires_at: { [Op.gt]: new Date() } },
    transaction,
  });
}

/**
 * The job a repeated key refers to. The same key with a different request is refused: the client
 * is reusing a key by mistake, and answering with the other job would hide it.
 */
export function replayedJobId(record: IdempotencyKey, fingerprint: string): string {
  if (record.request_sha256 !== fingerprint)
    throw new ApiError(
      422,
      'IDEMPOTENCY_KEY_REUSED',
      'this Idempotency-Key was already used with a different request in the last 24 hours',
    );
  return record.job_id;
}

/** Records the key for the new job, inside the job's transaction (an expired record of it is replaced). */
export async function rememberKey(
  transaction: Transaction,
  tenant: string,
  claim: IdempotencyClaim,
  jobId: string,
): Promise<void> {
  // Read first, delete only what exists: a DELETE that matches nothing still takes a gap lock on
  // MySQL, and two requests racing with one key would then deadlock on their INSERTs instead of
  // one of them getting the duplicate-key error that turns into a replay.
  const expired = await IdempotencyKey.findOne({
    where: { tenant, idempotency_key: claim.key, expires_at: { [Op.lte]: new Date() } },
    transaction,
  });
  if (expired) await expired.destroy({ transaction });
  await IdempotencyKey.create(
    {
      tenant,
      idempotency_key: claim.key,
      request_sha256: claim.fingerprint,
      job_id: jobId,
      expires_at: new Date(Date.now() + claim.ttlHours * 3_600_000),
    },
    { transaction },
  );
}

/** A job made under an Idempotency-Key: created now, or another request with the same key won. */
export type OncePerKey<T> = { kind: 'created'; value: T } | { kind: 'replay'; jobId: string };

/**
 * Runs `create` (which records the claim in its transaction, see {@link rememberKey}). Two requests
 * with one key at once: the loser's INSERT of the key fails on the primary key, its transaction rolls
 * back, and it answers with the winner's job (or 422 if its request differs).
 */
export async function oncePerKey<T>(
  tenant: string,
  claim: IdempotencyClaim | undefined,
  create: () => Promise<T>,
): Promise<OncePerKey<T>> {
  try {
    return { kind: 'created', value: await create() };
  } catch (error) {
    if (claim && error instanceof UniqueConstraintError) {
      const known = await findLiveKey(tenant, claim.key);
      if (known) return { kind: 'replay', jobId: replayedJobId(known, claim.fingerprint) };
    }
    throw error;
  }
}
