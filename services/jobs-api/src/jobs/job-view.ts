import type { Job, JobItem } from '@ocr-jobs/db';
import type { JobDetailView, JobItemView, JobSummaryView } from '../api/schemas';

const iso = (d: Date | string) => new Date(d).toISOString();

export function jobSummaryView(job: Job): JobSummaryView {
  return {
    id: job.id,
    name: job.name,
    status: job.status,
    created_at: iso(job.created_at),
    total_items: job.total_items,
    done_items: job.done_items,
    error_items: job.error_items,
    expires_at: iso(job.sqs_retention_deadline),
  };
}

/** Share of finished items (done or failed), rounded to a whole percent. */
function progressPercent(job: Pick<Job, 'total_items' | 'done_items' | 'error_items'>): number {
  if (job.total_items === 0) return 0;
  return Math.round(((job.done_items + job.error_items) / job.total_items) * 100);
}

function jobItemView(item: JobItem): JobItemView {
  return {
    id: item.id,
    filename: item.filename,
    s3_key: item.s3_key,
    content_type: item.content_type,
    bytes: Number(item.bytes),
    status: item.status,
    ocr_text: item.status === 'DONE' ? (item.ocr_text ?? null) : null,
    confidence: item.confidence ?? null,
    error_msg: item.error_msg ?? null,
    pages: item.page_range ?? null,
    languages: item.languages,
    created_at: iso(item.created_at),
    finished_at: item.finished_at ? iso(item.finished_at) : null,
  };
}

export function jobDetailView(job: Job, items: JobItem[]): JobDetailView {
  return {
    id: job.id,
    name: job.name,
    status: job.status,
    created_at: iso(job.created_at),
    updated_at: iso(job.updated_at),
    expires_at: iso(job.sqs_retention_deadline),
    total_items: job.total_items,
    done_items: job.done_items,
    error_items: job.error_items,
    progress_percent: progressPercent(job),
    languages: job.languages,
    items: items.map(jobItemView),
  };
}
