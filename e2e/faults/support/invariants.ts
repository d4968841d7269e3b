import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { QueryTypes } from 'sequelize';
import { physicalNames } from '@ocr-jobs/contracts';
import { createDatabase } from '@ocr-jobs/db';
import { waitFor } from '@ocr-jobs/testing';

interface ItemView {
  id: string;
  status: string;
  error_msg: string | null;
}
interface JobView {
  id: string;
  status: string;
  total_items: number;
  done_items: number;
  error_items: number;
  items: ItemView[];
}

export interface StackHandle {
  apiUrl: string;
  apiKey: string;
  databaseUrl: string;
  s3Endpoint: string;
  resourcePrefix?: string;
}

export const api = (stack: Pick<StackHandle, 'apiUrl' | 'apiKey'>, route: string, init: RequestInit = {}) =>
  fetch(`${stack.apiUrl}${route}`, {
    ...init,
    headers: { 'x-api-key': stack.apiKey, ...(init.headers ?? {}) },
  });

export async function jobView(stack: StackHandle, id: string): Promise<JobView> {
  const res = await api(stack, `/api/jobs/${id}`);
  if (res.status !== 200) throw new Error(`GET job ${id}: ${res.status}`);
  return (await res.json()) as JobView;
}

const FINISHED = ['DONE', 'ERROR'];

/** True once every given job has all of its items DONE or ERROR. */
export async function allFinished(stack: StackHandle, jobIds: string[]): Promise<boolean> {
  for (const id of jobIds) {
    const job = await jobView(stack, id);
    if (!FINISHED.includes(job.status) || job.items.some((i) => !FINISHED.includes(i.status))) return false;
  }
  return true;
}

/**
 * Problems found after a fault; an empty list means every invariant of the issue holds.
 * `auditMayBeLost`: the local queue stand-in (fauxqs, in memory) was killed, so audit events it held
 * are gone (the documented local exception); they must still never appear twice.
 */
export async function checkInvariants(
  stack: StackHandle,
  jobIds: string[],
  options: { auditMayBeLost?: boolean } = {},
): Promise<string[]> {
  const once = (n: number) => (options.auditMayBeLost ? n <= 1 : n === 1);
  const problems: string[] = [];
  for (const id of jobIds) {
    const job = await jobView(stack, id);
    const done = job.items.filter((i) => i.status === 'DONE').length;
    const failed = job.items.filter((i) => i.status === 'ERROR').length;
    if (!FINISHED.includes(job.status)) problems.push(`job ${id} is ${job.status}`);
    for (const item of job.items) {
      if (!FINISHED.includes(item.status)) problems.push(`item ${item.id} is ${item.status}`);
      if (item.status === 'ERROR' && !item.error_msg) problems.push(`item ${item.id} ERROR without a reason`);
    }
    // DONE when at least one item was read, ERROR only when every item failed.
    if (FINISHED.includes(job.status) && job.status !== (done > 0 ? 'DONE' : 'ERROR'))
      problems.push(`job ${id} is ${job.status} with ${done} items read and ${failed} failed`);
    if (job.total_items !== job.items.length || job.done_items !== done || job.error_items !== failed)
      problems.push(
        `job ${id} counters ${job.total_items}/${job.done_items}/${job.error_items} vs items ${job.items.length}/${done}/${failed}`,
      );
    const events = await auditTrail(stack, id);
    const count = (action: string, itemId?: string) =>
      events.filter((e) => e.action === action && (itemId === undefined || e.item_id === itemId)).length;
    if (!once(count('job.created'))) problems.push(`job ${id}: ${count('job.created')} job.created events`);
    if (!once(count('job.finished')))
      problems.push(`job ${id}: ${count('job.finished')} job.finished events`);
    for (const item of job.items) {
      const ends = count('item.done', item.id) + count('item.failed', item.id);
      if (!once(ends)) problems.push(`item ${item.id}: ${ends} item.done/item.failed events`);
    }
  }
  problems.push(...(await orphanObjects(stack)));
  return problems;
}

/** The audit trail as the API serves it (DynamoDB, written by the audit-logger). */
export async function auditTrail(
  stack: StackHandle,
  jobId: string,
): Promise<Array<{ action: string; item_id?: string }>> {
  const res = await api(stack, `/api/jobs/${jobId}/events?limit=500`);
  if (res.status !== 200) throw new Error(`GET events of ${jobId}: ${res.status}`);
  return ((await res.json()) as { data: Array<{ action: string; item_id?: string }> }).data;
}

/** Objects under jobs/ and results/ that no item row accounts for. */
export async function orphanObjects(stack: StackHandle): Promise<string[]> {
  const db = createDatabase({ url: stack.databaseUrl, bindModels: false });
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: stack.s3Endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const rows = await db.query<{ id: string; job_id: string; s3_key: string }>(
      'SELECT id, job_id, s3_key FROM job_items',
      { type: QueryTypes.SELECT },
    );
    const known = new Set(rows.flatMap((r) => [r.s3_key, `results/${r.job_id}/${r.id}.json`]));
    const bucket = physicalNames(stack.resourcePrefix ?? 'ocr-jobs-local').bucket;
    const orphans: string[] = [];
    for (const prefix of ['jobs/', 'results/']) {
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? [])
          if (o.Key && !known.has(o.Key)) orphans.push(`orphan object ${o.Key}`);
        token = page.NextContinuationToken;
      } while (token);
    }
    return orphans;
  } finally {
    s3.destroy();
    await db.close();
  }
}

/** Waits (audit events arrive asynchronously) until every invariant holds; returns the last problems. */
export async function settledInvariants(
  stack: StackHandle,
  jobIds: string[],
  options: { auditMayBeLost?: boolean; timeoutMs?: number } = {},
): Promise<string[]> {
  let problems: string[] = [];
  const check = async () =>
    (problems = await checkInvariants(stack, jobIds, options).catch((error: unknown) => [String(error)]));
  // On timeout the caller asserts the full list of remaining problems, so the wait itself may give up.
  await waitFor('every invariant to hold', check, {
    timeoutMs: options.timeoutMs ?? 30_000,
    intervalMs: 1_000,
    until: (p) => p.length === 0,
  }).catch(() => undefined);
  return problems;
}
