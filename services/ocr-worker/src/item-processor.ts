import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Message } from '@aws-sdk/client-sqs';
import type { Sequelize } from 'sequelize-typescript';
import { ocrMessageSchema, ocrResultSchema, resultKey, type OcrMessage } from '@ocr-jobs/contracts';
import { JobItem } from '@ocr-jobs/db';
import { DependencyError, type Logger } from '@ocr-jobs/runtime';
import type { EngineResult, OcrEngine } from './engine/engine';
import { FileMissingError, OcrTimeoutError, PermanentItemError } from './errors';
import type { EmfMetrics } from './metrics';
import { finishItem, startItem, type ItemRef } from './state/job-progress';

export interface ItemProcessorOptions {
  db: Sequelize;
  s3: S3Client;
  engine: OcrEngine;
  logger: Logger;
  metrics: EmfMetrics;
  itemTimeoutMs: number;
  /** Receives before SQS moves a message to the DLQ (the shared queue definition). */
  maxReceiveCount: number;
  /** Called after a commit that wrote outbox rows (lets the relay send them at once). */
  onCommitted?: () => void;
}

/** `ack`: delete the message. `release`: make it visible again now (shutdown). Throwing: retry later. */
export type Disposition = 'ack' | 'release';

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Handles one OCR message: claims the item, reads the file from S3, runs the engine under the item
 * timeout, stores the structured result in S3 and finishes the item. Permanent failures (and any
 * failure on the last allowed receive) finish the item as ERROR; transient ones are thrown so the
 * message comes back.
 */
export class ItemProcessor {
  constructor(private readonly options: ItemProcessorOptions) {}

  async process(message: Message, shutdown: AbortSignal): Promise<Disposition> {
    const { logger, metrics, maxReceiveCount } = this.options;
    const startedAt = Date.now();
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    const sentAt = Number(message.Attributes?.SentTimestamp ?? startedAt);
    const queueWaitMs = Math.max(0, startedAt - sentAt);
    const parsed = ocrMessageSchema.safeParse(safeJson(message.Body));
    if (!parsed.success) {
      logger.error('malformed OCR message dropped', {
        sqs_message_id: message.MessageId,
        issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
      });
      return 'ack';
    }
    const body = parsed.data;
    const ref: ItemRef = { jobId: body.job_id, itemId: body.item_id };
    const log = logger.child({
      job_id: body.job_id,
      item_id: body.item_id,
      s3_key: body.s3_key,
      sqs_message_id: message.MessageId,
    });
    const line: Record<string, unknown> = { receive_count: receiveCount, queue_wait_ms: queueWaitMs };
    let ocrMs: number | undefined;
    let pages = 0;
    let failed = 0;
    try {
      const started = await startItem(this.options.db, ref, receiveCount);
      if (started.kind === 'missing') {
        line.outcome = 'dropped';
        line.reason = 'item or job no longer exists';
        return 'ack';
      }
      if (started.kind === 'finished') {
        line.outcome = 'duplicate';
        line.item_status = started.status;
        return 'ack';
      }
      this.options.onCommitted?.();
      line.attempt = started.attempt;
      try {
        const file = await this.download(body, started.s3Key);
        const ocrStart = Date.now();
        let result: EngineResult;
        try {
          result = await this.recognize(file, shutdown);
        } finally {
          ocrMs = Date.now() - ocrStart;
        }
        pages = result.pages.length;
        await this.storeResult(body.s3_bucket, ref, result);
        const finished = await finishItem(this.options.db, ref, {
          status: 'DONE',
          text: result.text,
          confidence: result.confidence,
          pages,
          durationMs: Date.now() - startedAt,
        });
        if (!finished.applied) {
          line.outcome = 'duplicate';
          await this.dropOrphanResult(body.s3_bucket, ref);
          return 'ack';
        }
        this.options.onCommitted?.();
        line.outcome = 'done';
        line.confidence = Math.round(result.confidence * 10) / 10;
        if (finished.jobFinished) line.job_status = finished.jobFinished;
        return 'ack';
      } catch (error) {
        if (shutdown.aborted && !(error instanceof PermanentItemError)) {
          line.outcome = 'released';
          return 'release';
        }
        const permanent = error instanceof PermanentItemError;
        if (!permanent && receiveCount < maxReceiveCount) throw error;
        const reason = permanent
          ? describe(error)
          : `gave up after ${receiveCount} attempts: ${describe(error)}`;
        const finished = await finishItem(this.options.db, ref, {
          status: 'ERROR',
          error: reason,
          durationMs: Date.now() - startedAt,
        });
        this.options.onCommitted?.();
        failed = finished.applied ? 1 : 0;
        line.outcome = finished.applied ? 'failed' : 'duplicate';
        line.error = reason;
        if (error instanceof PermanentItemError) line.error_code = error.code;
        if (finished.jobFinished) line.job_status = finished.jobFinished;
        return 'ack';
      }
    } catch (error) {
      line.outcome = 'retry';
      line.err = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      line.ocr_ms = ocrMs;
      line.pages = pages;
      line.duration_ms = Date.now() - startedAt;
      const level = line.outcome === 'retry' ? 'warn' : 'info';
      log.log(level, 'item processed', line);
      metrics.item({
        queueWaitMs,
        pagesProcessed: pages,
        itemsFailed: failed,
        ...(ocrMs !== undefined ? { ocrDurationMs: ocrMs } : {}),
      });
    }
  }

  /** The engine under the item timeout; on timeout the engine terminates its worker. */
  private async recognize(file: Buffer, shutdown: AbortSignal): Promise<EngineResult> {
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new OcrTimeoutError(this.options.itemTimeoutMs)),
      this.options.itemTimeoutMs,
    );
    try {
      return await this.options.engine.recognize(file, AbortSignal.any([shutdown, timeout.signal]));
    } finally {
      clearTimeout(timer);
    }
  }

  private async download(body: OcrMessage, key: string): Promise<Buffer> {
    try {
      const object = await this.options.s3.send(new GetObjectCommand({ Bucket: body.s3_bucket, Key: key }));
      if (!object.Body) throw new Error('GetObject returned no body');
      return Buffer.from(await object.Body.transformToByteArray());
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey')
        throw new FileMissingError(`file not found in storage: ${key}`, { cause: error });
      throw new DependencyError('s3', `could not read ${body.s3_bucket}/${key}`, { cause: error });
    }
  }

  /** Results live beside the files, under results/, in the bucket the message names. */
  private async storeResult(bucket: string, ref: ItemRef, result: EngineResult): Promise<void> {
    const document = ocrResultSchema.parse({
      job_id: ref.jobId,
      item_id: ref.itemId,
      engine: result.engine,
      text: result.text,
      confidence: result.confidence,
      pages: result.pages,
      created_at: new Date().toISOString(),
    });
    try {
      await this.options.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: resultKey(ref.jobId, ref.itemId),
          Body: JSON.stringify(document),
          ContentType: 'application/json',
        }),
      );
    } catch (error) {
      throw new DependencyError('s3', `could not store the result of item ${ref.itemId}`, { cause: error });
    }
  }

  /** The item was deleted while it was read: its result must not outlive it. */
  private async dropOrphanResult(bucket: string, ref: ItemRef): Promise<void> {
    if (await JobItem.findByPk(ref.itemId)) return;
    await this.options.s3
      .send(new DeleteObjectCommand({ Bucket: bucket, Key: resultKey(ref.jobId, ref.itemId) }))
      .catch(() => undefined);
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
