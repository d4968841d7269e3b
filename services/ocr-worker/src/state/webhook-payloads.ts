import type { JobStatus } from '@ocr-jobs/contracts';
import type { Job, JobItem, WebhookEvent } from '@ocr-jobs/db';
import type { ItemOutcome } from './job-progress';

/**
 * The `data` of the webhook events the worker causes (payload version 1, documented in the API's
 * OpenAPI `webhooks`). Links are paths under the API's own origin.
 */

export function itemFinishedEvent(job: Job, item: JobItem, outcome: ItemOutcome): WebhookEvent {
  const done = outcome.status === 'DONE';
  return {
    tenant: job.tenant,
    type: 'item.finished',
    data: {
      job_id: job.id,
      item_id: item.id,
      filename: item.filename,
      status: outcome.status,
      confidence: done ? outcome.confidence : null,
      error: done ? null : outcome.error,
      links: { result: `/api/jobs/${job.id}/items/${item.id}?format=json` },
    },
  };
}

export function jobFinishedEvent(
  job: Job,
  counts: { status: JobStatus; done_items: number; error_items: number },
): WebhookEvent {
  return {
    tenant: job.tenant,
    type: 'job.finished',
    callbackUrl: job.callback_url,
    data: {
      job_id: job.id,
      name: job.name,
      status: counts.status,
      total_items: job.total_items,
      done_items: counts.done_items,
      error_items: counts.error_items,
      links: {
        job: `/api/jobs/${job.id}`,
        result_txt: `/api/jobs/${job.id}/result?format=txt`,
        result_zip: `/api/jobs/${job.id}/result?format=zip`,
      },
    },
  };
}
