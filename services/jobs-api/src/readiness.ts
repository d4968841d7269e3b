import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '@ocr-jobs/runtime';
import type { Sequelize } from 'sequelize-typescript';

export interface ReadinessDeps {
  db: Sequelize;
  clients: AwsClients;
  bucket: string;
  queueUrls: string[];
}

export type CheckResult = { ok: true; ms: number } | { ok: false; ms: number; error: string };

async function timed(check: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ms: Date.now() - started };
  } catch (error) {
    return {
      ok: false,
      ms: Date.now() - started,
      error: error instanceof Error ? error.message || error.name : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Checks every dependency the API needs to accept a job: the database, the bucket and the queues. */
export async function checkReadiness(deps: ReadinessDeps, timeoutMs = 3_000) {
  const [database, s3, sqs] = await Promise.all([
    timed(() => deps.db.query('SELECT 1'), timeoutMs),
    timed(() => deps.clients.s3.send(new HeadBucketCommand({ Bucket: deps.bucket })), timeoutMs),
    timed(
      () =>
        Promise.all(
          deps.queueUrls.map((QueueUrl) =>
            deps.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] })),
          ),
        ),
      timeoutMs,
    ),
  ]);
  return { ready: database.ok && s3.ok && sqs.ok, checks: { database, s3, sqs } };
}
