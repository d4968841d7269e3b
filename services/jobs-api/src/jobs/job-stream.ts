import type { Writable } from 'node:stream';
import { Job } from '@ocr-jobs/db';
import type { Logger } from '@ocr-jobs/runtime';

export interface JobStreamOptions {
  tenant: string;
  jobId: string;
  out: Writable;
  logger: Logger;
  /** How often the job row is read (counters and status). */
  pollMs: number;
  /** Comment lines that keep idle proxies (ALB idle timeout 60 s) from closing the stream. */
  heartbeatMs: number;
}

const FINAL = new Set(['DONE', 'ERROR', 'EXPIRED']);
const open = new Set<() => void>();

/** How many streams this process is serving (each polls the database). */
export function openJobStreams(): number {
  return open.size;
}

/** Ends every open stream (shutdown): EventSource clients reconnect, to another task if need be. */
export function endAllJobStreams(): void {
  for (const end of [...open]) end();
}

/**
 * Server-sent events for one job, driven by the database rather than by in-process events, so it
 * works on any API task behind the load balancer whichever task or worker changed the job: the job
 * row is polled, a `progress` event goes out whenever its status or counters change, and `finished`
 * once it is final, after which the stream ends. The event id is the number of finished items.
 */
export function streamJobProgress(o: JobStreamOptions): void {
  let last = '';
  let stopped = false;
  let poll: NodeJS.Timeout | undefined;
  const heartbeat = setInterval(() => o.out.write(': heartbeat\n\n'), o.heartbeatMs);
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearInterval(heartbeat);
    clearTimeout(poll);
    open.delete(stop);
    o.out.end();
  };
  open.add(stop);
  o.out.on('close', stop);
  const send = (event: string, id: number, data: unknown) =>
    o.out.write(`event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`);

  const tick = async () => {
    if (stopped) return;
    try {
      const job = await Job.findOne({
        where: { id: o.jobId, tenant: o.tenant },
        attributes: ['status', 'total_items', 'done_items', 'error_items'],
      });
      if (!job) {
        send('deleted', 0, { job_id: o.jobId });
        return stop();
      }
      const finishedItems = job.done_items + job.error_items;
      const data = {
        job_id: o.jobId,
        status: job.status,
        total_items: job.total_items,
        done_items: job.done_items,
        error_items: job.error_items,
        progress_percent: job.total_items ? Math.floor((100 * finishedItems) / job.total_items) : 0,
      };
      const key = `${job.status}:${finishedItems}`;
      if (key !== last) {
        last = key;
        send('progress', finishedItems, data);
      }
      if (FINAL.has(job.status)) {
        send('finished', finishedItems, data);
        return stop();
      }
    } catch (error) {
      // A database hiccup: keep the stream (heartbeats continue) and read again next time.
      o.logger.warn('job stream read failed', { job_id: o.jobId, err: error });
    }
    if (!stopped) poll = setTimeout(() => void tick(), o.pollMs);
  };
  void tick();
}
