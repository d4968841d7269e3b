import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DependencyError, type Logger } from '@ocr-jobs/runtime';
import { ApiError, badRequest } from '../http/api-error';
import {
  assertPixelLimit,
  HEAD_BYTES,
  measureHead,
  tiffDimensions,
  TIFF_DIRECTORY_BYTES,
  unreadableImage,
} from './image-header';
import { sniffMediaType } from './media-types';
import { deleteObjects, readRange } from './object-store';
import { itemKey, safeFilename } from './keys';

export interface UploadLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
  maxImagePixels: number;
}

/** A file of the request, stored in S3 (or only hashed, see `store`). */
export interface ReceivedFile {
  itemId: string;
  filename: string;
  s3Key: string;
  contentType: string;
  bytes: number;
  /** SHA-256 of the content: part of the request's fingerprint for Idempotency-Key. */
  sha256: string;
  receivedAt: Date;
}

export interface ReceivedForm {
  fields: Record<string, string>;
  files: ReceivedFile[];
}

export interface ReceiveOptions {
  s3: S3Client;
  bucket: string;
  jobId: string;
  limits: UploadLimits;
  log: Logger;
  /** false: read and hash the files without storing them (a replayed Idempotency-Key). */
  store: boolean;
}

/** S3 multipart part size: the minimum, so one file in flight holds about one part in memory. */
const PART_SIZE = 5 * 1024 * 1024;
const FILE_FIELD = 'images';

/**
 * Streams a multipart request's files to S3 as they arrive: nothing is buffered whole, only each
 * file's first {@link HEAD_BYTES} (to recognise its type and read its size) and one S3 part. Limits
 * are enforced while streaming. On any failure every object already written is deleted before the
 * error is thrown, so a refused request leaves nothing behind.
 */
export async function receiveMultipart(req: IncomingMessage, options: ReceiveOptions): Promise<ReceivedForm> {
  const { limits } = options;
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: {
        files: limits.maxFiles,
        fileSize: limits.maxFileBytes,
        fields: 20,
        fieldSize: 64 * 1024,
        parts: limits.maxFiles + 20,
      },
    });
  } catch (error) {
    throw badRequest('MALFORMED_MULTIPART', `not a valid multipart request: ${(error as Error).message}`);
  }
  const receiver = new Receiver(options);
  return receiver.run(req, parser);
}

class Receiver {
  private readonly fields: Record<string, string> = {};
  private readonly files: Promise<ReceivedFile>[] = [];
  private readonly inFlight = new Set<{ stream: Readable; upload?: Upload }>();
  private readonly stored: string[] = [];
  private totalBytes = 0;
  private failure: unknown;
  private lastReceivedAt = 0;

  constructor(private readonly options: ReceiveOptions) {}

  run(req: IncomingMessage, parser: busboy.Busboy): Promise<ReceivedForm> {
    const { limits } = this.options;
    return new Promise<ReceivedForm>((resolve, reject) => {
      let settled = false;
      const finish = async () => {
        if (settled) return;
        settled = true;
        const results = await Promise.allSettled(this.files);
        if (this.failure === undefined) {
          const rejected = results.find((r) => r.status === 'rejected');
          if (rejected) this.failure = (rejected as PromiseRejectedResult).reason;
        }
        if (this.failure === undefined) {
          resolve({
            fields: this.fields,
            files: results.map((r) => (r as PromiseFulfilledResult<ReceivedFile>).value),
          });
          return;
        }
        // Stop reading what the client still sends: the answer is already decided.
        req.unpipe(parser);
        req.resume();
        await this.removeStored();
        reject(this.failure);
      };
      const fail = (error: unknown) => {
        if (this.failure !== undefined) return;
        this.failure = error;
        for (const entry of this.inFlight) {
          void entry.upload?.abort().catch(() => undefined);
          entry.stream.destroy(error instanceof Error ? error : new Error(String(error)));
        }
        void finish();
      };

      parser.on('field', (name, value, info) => {
        if (info.valueTruncated) fail(badRequest('FIELD_TOO_LONG', `field "${name}" is longer than 64 KiB`));
        else this.fields[name] = value;
      });
      parser.on('file', (field, stream, info) => {
        if (this.failure !== undefined) return void stream.resume();
        if (field !== FILE_FIELD) {
          stream.resume();
          return fail(
            badRequest('UNEXPECTED_FILE_FIELD', `files go in field "${FILE_FIELD}", not "${field}"`),
          );
        }
        const file = this.receiveFile(stream, safeFilename(info.filename));
        file.catch(fail);
        this.files.push(file);
      });
      parser.on('filesLimit', () =>
        fail(
          new ApiError(413, 'TOO_MANY_FILES', `more than MAX_FILES (${limits.maxFiles}) files in one job`),
        ),
      );
      parser.on('fieldsLimit', () => fail(badRequest('TOO_MANY_FIELDS', 'more than 20 form fields')));
      parser.on('partsLimit', () => fail(badRequest('TOO_MANY_PARTS', 'too many parts in the form')));
      parser.on('error', (error: Error) =>
        fail(badRequest('MALFORMED_MULTIPART', `malformed multipart body: ${error.message}`)),
      );
      parser.on('close', () => void finish());
      req.on('aborted', () => fail(badRequest('REQUEST_ABORTED', 'the client closed the request')));
      req.pipe(parser);
    });
  }

  private async receiveFile(
    stream: Readable & { truncated?: boolean },
    filename: string,
  ): Promise<ReceivedFile> {
    const { s3, bucket, jobId, limits, log, store } = this.options;
    const entry: { stream: Readable; upload?: Upload } = { stream };
    this.inFlight.add(entry);
    try {
      const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      const hash = createHash('sha256');
      let bytes = 0;
      const count = (chunk: Buffer) => {
        bytes += chunk.length;
        this.totalBytes += chunk.length;
        if (this.totalBytes > limits.maxTotalBytes)
          throw new ApiError(
            413,
            'REQUEST_TOO_LARGE',
            `the files exceed MAX_TOTAL_BYTES (${limits.maxTotalBytes} bytes) together`,
          );
        hash.update(chunk);
      };
      const tooLarge = () =>
        new ApiError(
          413,
          'FILE_TOO_LARGE',
          `"${filename}" exceeds MAX_FILE_BYTES (${limits.maxFileBytes} bytes)`,
        );

      // The head: enough bytes to recognise the type and read the image size.
      const headChunks: Buffer[] = [];
      let headLength = 0;
      let ended = false;
      while (headLength < HEAD_BYTES) {
        const next = await chunks.next();
        if (next.done) {
          ended = true;
          break;
        }
        count(next.value);
        headChunks.push(next.value);
        headLength += next.value.length;
      }
      if (stream.truncated) throw tooLarge();
      const head = Buffer.concat(headChunks);

      const itemId = randomUUID();
      const rest = async function* () {
        yield head;
        if (ended) return;
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
          count(next.value);
          yield next.value;
        }
        if (stream.truncated) throw tooLarge();
      };

      if (!store) {
        for await (const _ of rest()) void _;
        return {
          itemId,
          filename,
          s3Key: '',
          contentType: '',
          bytes,
          sha256: hash.digest('hex'),
          receivedAt: new Date(),
        };
      }

      if (head.length === 0) throw new ApiError(422, 'EMPTY_FILE', `"${filename}" is empty`);
      const type = sniffMediaType(head);
      if (!type)
        throw new ApiError(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          `"${filename}" is not a JPEG, PNG, WebP, TIFF, BMP, GIF or PDF file`,
        );
      const measure = measureHead(type, head);
      if (measure.kind === 'unreadable') throw unreadableImage(filename, type);
      if (measure.kind === 'measured') assertPixelLimit(filename, measure.dimensions, limits.maxImagePixels);

      const s3Key = itemKey(jobId, itemId, type.ext);
      const receivedAt = this.nextReceivedAt();
      const started = Date.now();
      const upload = new Upload({
        client: s3,
        params: { Bucket: bucket, Key: s3Key, Body: Readable.from(rest()), ContentType: type.mime },
        partSize: PART_SIZE,
        queueSize: 1,
        leavePartsOnError: false,
      });
      entry.upload = upload;
      // Remembered before the upload ends: a refused request deletes it even if the abort raced the last write.
      this.stored.push(s3Key);
      try {
        await upload.done();
      } catch (error) {
        if (error instanceof ApiError || this.failure !== undefined) throw this.failure ?? error;
        throw new DependencyError('s3', `upload of ${s3Key} failed`, { cause: error });
      }
      log.info('file stored', {
        item_id: itemId,
        s3_key: s3Key,
        bytes,
        content_type: type.mime,
        duration_ms: Date.now() - started,
      });

      if (measure.kind === 'tiff-directory') {
        const directory = await readRange(s3, bucket, s3Key, measure.offset, TIFF_DIRECTORY_BYTES);
        const dimensions = tiffDimensions(directory, measure.littleEndian);
        if (!dimensions) throw unreadableImage(filename, type);
        assertPixelLimit(filename, dimensions, limits.maxImagePixels);
      }
      return {
        itemId,
        filename,
        s3Key,
        contentType: type.mime,
        bytes,
        sha256: hash.digest('hex'),
        receivedAt,
      };
    } finally {
      this.inFlight.delete(entry);
      // Whatever was not read of a refused file is drained, so the parser can reach the next part.
      if (!stream.readableEnded && !stream.destroyed) stream.resume();
    }
  }

  /** Items keep their upload order: each gets a creation time after the previous one. */
  private nextReceivedAt(): Date {
    this.lastReceivedAt = Math.max(Date.now(), this.lastReceivedAt + 1);
    return new Date(this.lastReceivedAt);
  }

  private async removeStored(): Promise<void> {
    if (this.stored.length === 0) return;
    try {
      await deleteObjects(this.options.s3, this.options.bucket, this.stored);
    } catch (error) {
      this.options.log.error('could not delete the files of a refused request', {
        err: error,
        keys: this.stored,
      });
    }
  }
}
