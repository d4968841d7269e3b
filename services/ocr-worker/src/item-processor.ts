import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Message } from '@aws-sdk/client-sqs';
import type { Sequelize } from 'sequelize-typescript';
import {
  ocrMessageSchema,
  ocrResultSchema,
  parsePageRange,
  resultKey,
  type OcrMessage,
} from '@ocr-jobs/contracts';
import { JobItem } from '@ocr-jobs/db';
import { DependencyError, type Logger } from '@ocr-jobs/runtime';
import type { EngineResult, OcrEngine, RecognizeOptions } from './engine/engine';
import { FileMissingError, OcrTimeoutError } from './errors';
import { decideFailure } from './item-decisions';
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
  /** Called after a commit that finished an item (lets the relay send its events at once). */
  onCommitted?: () => void;
}

/** `ack`: delete the message. `release`: make it visible again now (shutdown). Throwing: retry later. */
export type Disposition = 'ack' | 'release';

/** How one message ended, as logged in its one `item processed` line. */
interface Outcome {
  outcome: 'dropped' | 'stale' | 'duplicate' | 'done' | 'failed' | 'released' | 'retry';
  disposition: Disposition;
  attempt?: number;
  /** Outcome `stale`: the item's current run (the message's is logged from its body). */
  currentRun?: number;
  /** The languages the item was read with. */
  languages?: string;
  itemStatus?: string;
  reason?: string;
  pages?: number;
  ocrMs?: number;
  confidence?: number;
  jobStatus?: string;
  error?: string;
  errorCode?: string;
  /** The failure that sends the message back (outcome `retry`). */
  cause?: unknown;
}

/**
 * Handles one OCR message: claims the item, reads the file from S3, runs the engine under the item
 * timeout, stores the structured result in S3 and finishes the item. What happens on a failure is
 * decided by {@link decideFailure} (pure, tested on its own): permanent failures and the last allowed
 * receive finish the item as ERROR, transient ones are thrown so the message comes back, and at
 * shutdown the message is released.
 */
export class ItemProcessor {
  constructor(private readonly options: ItemProcessorOptions) {}

  async process(message: Message, shutdown: AbortSignal): Promise<Disposition> {
    const { logger, metrics } = this.options;
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
    const result = await this.handle(body, receiveCount, shutdown, startedAt).catch(
      (error: unknown): Outcome => ({ outcome: 'retry', disposition: 'release', cause: error }),
    );

    logger
      .child({
        job_id: body.job_id,
        item_id: body.item_id,
        s3_key: body.s3_key,
        sqs_message_id: message.MessageId,
      })
      .log(result.outcome === 'retry' ? 'warn' : 'info', 'item processed', {
        receive_count: receiveCount,
        queue_wait_ms: queueWaitMs,
        outcome: result.outcome,
        attempt: result.attempt,
        run: body.run ?? 0,
        current_run: result.currentRun,
        /** The languages the item was read with. */
        languages: result.languages,
        item_status: result.itemStatus,
        reason: result.reason,
        confidence: result.confidence,
        job_status: result.jobStatus,
        error: result.error,
        error_code: result.errorCode,
        err: result.cause === undefined ? undefined : toError(result.cause),
        ocr_ms: result.ocrMs,
        pages: result.pages ?? 0,
        duration_ms: Date.now() - startedAt,
      });
    // A message of an earlier run is no work at all: logged above, counted nowhere.
    if (result.outcome !== 'stale')
      metrics.item({
        queueWaitMs,
        pagesProcessed: result.pages ?? 0,
        itemsFailed: result.outcome === 'failed' ? 1 : 0,
        ...(result.ocrMs !== undefined ? { ocrDurationMs: result.ocrMs } : {}),
      });
    if (result.outcome === 'retry') throw result.cause;
    return result.disposition;
  }

  /** Claims the item, then reads and finishes it; a transient failure is thrown. */
  private async handle(
    body: OcrMessage,
    receiveCount: number,
    shutdown: AbortSignal,
    startedAt: number,
  ): Promise<Outcome> {
    const ref: ItemRef = { jobId: body.job_id, itemId: body.item_id, run: body.run ?? 0 };
    const started = await startItem(this.options.db, ref, receiveCount);
    if (started.kind === 'missing')
      return { outcome: 'dropped', disposition: 'ack', reason: 'item or job no longer exists' };
    if (started.kind === 'stale')
      return {
        outcome: 'stale',
        disposition: 'ack',
        currentRun: started.currentRun,
        reason: 'message of an earlier run of the item (retried or reprocessed since)',
      };
    if (started.kind === 'finished')
      return { outcome: 'duplicate', disposition: 'ack', itemStatus: started.status };
    // No nudge for `item.started`: it goes with the item's finish (one relay round per item instead
    // of two, at the moment the OCR workers change items), or with the relay's next tick if the item
    // is long.
    const attempt = started.attempt;
    let ocrMs: number | undefined;
    let pages = 0;
    try {
      const file = await this.download(body, started.s3Key);
      const ocrStart = Date.now();
      let result: EngineResult;
      try {
        result = await this.recognize(file, shutdown, {
          languages: started.languages,
          pages: started.pageRange === null ? null : parsePageRange(started.pageRange),
        });
      } finally {
        ocrMs = Date.now() - ocrStart;
      }
      pages = result.pages.length;
      const requeuedWhileRead: Outcome = {
        outcome: 'stale',
        disposition: 'ack',
        attempt,
        ocrMs,
        pages,
        reason: 'item re-queued while read',
      };
      // A run that is no longer current must not overwrite the current run's result object.
      if (!(await this.isCurrentRun(ref))) return requeuedWhileRead;
      await this.storeResult(body.s3_bucket, ref, result, started.languages);
      const finished = await finishItem(this.options.db, ref, {
        status: 'DONE',
        text: result.text,
        confidence: result.confidence,
        pages,
        durationMs: Date.now() - startedAt,
      });
      if (finished.stale) return requeuedWhileRead;
      if (!finished.applied) {
        await this.dropOrphanResult(body.s3_bucket, ref);
        return { outcome: 'duplicate', disposition: 'ack', attempt, ocrMs, pages };
      }
      this.options.onCommitted?.();
      return {
        outcome: 'done',
        disposition: 'ack',
        attempt,
        languages: started.languages,
        ocrMs,
        pages,
        confidence: Math.round(result.confidence * 10) / 10,
        jobStatus: finished.jobFinished,
      };
    } catch (error) {
      const decision = decideFailure(error, {
        receiveCount,
        maxReceiveCount: this.options.maxReceiveCount,
        shuttingDown: shutdown.aborted,
      });
      if (decision.kind === 'release')
        return { outcome: 'released', disposition: 'release', attempt, ocrMs, pages };
      if (decision.kind === 'retry')
        return { outcome: 'retry', disposition: 'release', attempt, ocrMs, pages, cause: error };
      const finished = await finishItem(this.options.db, ref, {
        status: 'ERROR',
        error: decision.reason,
        durationMs: Date.now() - startedAt,
      });
      this.options.onCommitted?.();
      return {
        outcome: finished.applied ? 'failed' : finished.stale ? 'stale' : 'duplicate',
        disposition: 'ack',
        attempt,
        ocrMs,
        pages,
        error: decision.reason,
        errorCode: decision.code,
        jobStatus: finished.jobFinished,
      };
    }
  }

  /** The engine under the item timeout; on timeout the engine terminates its worker. */
  private async recognize(
    file: Buffer,
    shutdown: AbortSignal,
    options: RecognizeOptions,
  ): Promise<EngineResult> {
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new OcrTimeoutError(this.options.itemTimeoutMs)),
      this.options.itemTimeoutMs,
    );
    try {
      return await this.options.engine.recognize(file, AbortSignal.any([shutdown, timeout.signal]), options);
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
  private async storeResult(
    bucket: string,
    ref: ItemRef,
    result: EngineResult,
    languages: string,
  ): Promise<void> {
    const document = ocrResultSchema.parse({
      job_id: ref.jobId,
      item_id: ref.itemId,
      engine: result.engine,
      languages,
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

  /** The item is still on the message's run (not retried or reprocessed while it was read). */
  private async isCurrentRun(ref: ItemRef): Promise<boolean> {
    const item = await JobItem.findByPk(ref.itemId, { attributes: ['run'] });
    return !item || item.run === (ref.run ?? 0);
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

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
