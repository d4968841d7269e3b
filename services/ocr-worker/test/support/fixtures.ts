import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  DeleteMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { auditEventSchema, type AuditEvent } from '@ocr-jobs/contracts';
import { Job, JobItem } from '@ocr-jobs/db';
import type { TestStack } from '@ocr-jobs/local-stack';
import { waitFor } from '@ocr-jobs/testing';

export interface FileSpec {
  body: Buffer | null; // null: the object is never uploaded
  ext: string;
  contentType?: string;
  /** The item's `page_range` (`2-3`), as jobs-api stores it; absent: every page. */
  pageRange?: string;
}

/** What jobs-api does on POST /api/jobs, done directly with @ocr-jobs/db's models: rows and S3 objects. */
export async function createJob(stack: TestStack, files: FileSpec[], options: { deadline?: Date } = {}) {
  const job = await Job.create({
    id: randomUUID(),
    tenant: 'tenant-a',
    name: 'scans',
    sqs_retention_deadline: options.deadline ?? new Date(Date.now() + 2 * 86_400_000),
    total_items: files.length,
  });
  const items: JobItem[] = [];
  for (const file of files) {
    const id = randomUUID();
    const key = `jobs/${job.id}/${id}.${file.ext}`;
    items.push(
      await JobItem.create({
        id,
        job_id: job.id,
        s3_key: key,
        filename: `scan.${file.ext}`,
        content_type: file.contentType ?? 'application/octet-stream',
        bytes: file.body?.length ?? 0,
        page_range: file.pageRange ?? null,
      }),
    );
    if (file.body)
      await stack.clients.s3.send(
        new PutObjectCommand({ Bucket: stack.names.bucket, Key: key, Body: file.body }),
      );
  }
  return { job, items };
}

/** The item's OCR message, as the outbox relay would send it. */
export async function sendOcrMessage(
  stack: TestStack,
  item: { id: string; job_id: string; s3_key: string },
  overrides: Record<string, string | number> = {},
): Promise<void> {
  await stack.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: stack.resources.queueUrls.ocr,
      MessageBody: JSON.stringify({
        job_id: item.job_id,
        item_id: item.id,
        s3_bucket: stack.names.bucket,
        s3_key: item.s3_key,
        created_at: new Date().toISOString(),
        ...overrides,
      }),
    }),
  );
}

export async function queueDepth(stack: TestStack, url: string): Promise<number> {
  const { Attributes } = await stack.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Audit events the relay sent, collected from the audit queue (each test's job id filters them). */
export class AuditInbox {
  readonly events: AuditEvent[] = [];
  constructor(private readonly stack: TestStack) {}

  async collect(): Promise<AuditEvent[]> {
    const { Messages } = await this.stack.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.stack.resources.queueUrls.audit,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    for (const m of Messages ?? []) {
      this.events.push(auditEventSchema.parse(JSON.parse(m.Body ?? '')));
      await this.stack.clients.sqs.send(
        new DeleteMessageCommand({
          QueueUrl: this.stack.resources.queueUrls.audit,
          ReceiptHandle: m.ReceiptHandle,
        }),
      );
    }
    return this.events;
  }

  async waitFor(jobId: string, actions: string[], timeoutMs = 30_000): Promise<AuditEvent[]> {
    return waitFor(
      `audit events ${actions.join(', ')} of job ${jobId}`,
      async () => {
        await this.collect();
        const mine = this.events.filter((e) => e.job_id === jobId);
        const have = mine.map((e) => e.action);
        return actions.every((a) => have.includes(a as never)) ? mine : undefined;
      },
      { timeoutMs },
    );
  }
}
