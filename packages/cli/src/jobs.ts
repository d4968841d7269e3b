import fs from 'node:fs';
import type { JobDetail, OcrClient } from '@ocr-jobs/client';
import { EXIT, ok } from './api';
import { textPath } from './files';
import type { Progress } from './progress';

const FINISHED = new Set(['DONE', 'ERROR', 'EXPIRED']);

export function isFinished(job: { status: string }): boolean {
  return FINISHED.has(job.status);
}

/** Polls the jobs until every one is finished, showing items read across all of them. */
export async function waitForJobs(
  client: OcrClient,
  ids: string[],
  progress: Progress,
  intervalMs = 1000,
): Promise<JobDetail[]> {
  let jobs = await Promise.all(ids.map((id) => getJob(client, id)));
  const total = jobs.reduce((n, j) => n + j.total_items, 0);
  const counter = progress.counter('OCR', total, 'items');
  for (;;) {
    const read = jobs.reduce((n, j) => n + j.done_items + j.error_items, 0);
    const failed = jobs.reduce((n, j) => n + j.error_items, 0);
    counter.update(read, failed ? `(${failed} failed)` : '');
    if (jobs.every(isFinished)) return jobs;
    await new Promise((r) => setTimeout(r, intervalMs));
    jobs = await Promise.all(jobs.map((j) => (isFinished(j) ? j : getJob(client, j.id))));
  }
}

export async function getJob(client: OcrClient, id: string): Promise<JobDetail> {
  return ok(await client.GET('/api/jobs/{id}', { params: { path: { id } } }));
}

/** Writes one .txt per read item into `dir`; returns the paths written. */
export function writeTexts(dir: string, jobs: JobDetail[]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  // Fresh each run, so a re-run writes the same names again instead of -2 copies.
  const taken = new Set<string>();
  const written: string[] = [];
  for (const item of jobs.flatMap((j) => j.items)) {
    if (item.status !== 'DONE') continue;
    const file = textPath(dir, item.filename, taken);
    fs.writeFileSync(file, item.ocr_text ?? '');
    written.push(file);
  }
  return written;
}

/**
 * Prints each job and its failed items; the exit code says whether every item was read (a DONE job
 * may still have failed items: DONE means at least one was read).
 */
export function report(jobs: JobDetail[], out = process.stdout, err = process.stderr): number {
  for (const job of jobs) {
    const failed = job.error_items > 0 ? `, ${job.error_items} failed` : '';
    out.write(
      `${job.id}  ${job.status.padEnd(10)} ${job.done_items}/${job.total_items} read${failed}  ${job.name}\n`,
    );
    for (const item of job.items.filter((i) => i.status === 'ERROR'))
      err.write(`  failed: ${item.filename}: ${item.error_msg ?? 'unknown error'}\n`);
  }
  const allRead = jobs.every((j) => j.status !== 'EXPIRED' && j.error_items === 0);
  return allRead ? EXIT.ok : EXIT.itemsFailed;
}
