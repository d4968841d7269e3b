import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Limit } from 'p-limit';
import { DependencyError, type Logger } from '@ocr-jobs/runtime';
import { ApiError } from '../http/api-error';
import { acceptedMediaType, checkBmp, checkHeadPixels, checkTiffDirectory, HEAD_BYTES } from './image-header';
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

export interface S3UploadStorageOptions {
  s3: S3Client;
  bucket: string;
  jobId: string;
  limits: UploadLimits;
  log: Logger;
  /** false: read and hash the files without storing them (a replayed Idempotency-Key). */
  store: boolean;
  /**
   * Shared by every request of the process: a file streams to S3 only in one of these slots, so the
   * memory of all uploads together is bounded by the slots, not by the number or size of files.
   */
  uploadSlots: Limit;
}

/** The part of multer's file object a storage engine reads. */
interface IncomingFile {
  originalname: string;
  stream: Readable & { truncated?: boolean };
}

/**
 * S3 multipart part size: the minimum. lib-storage gathers each part in memory (and concatenates its
 * chunks, a second copy), so one file in flight holds up to about two parts: ~10 MiB per upload slot.
 */
const PART_SIZE = 5 * 1024 * 1024;

/**
 * A multer storage engine, made for one request, that streams each file to S3 as it arrives: only
 * the file's first {@link HEAD_BYTES} (to recognise its type and read its size) and its current S3
 * part are held in memory, the part only while the file holds one of the process's upload slots (a
 * file waiting for a slot is not read, so TCP back-pressure holds its client). The type comes from
 * the content, the pixel limit is checked from the head before anything is stored (a TIFF whose
 * size lies further in, right after), and the request's total size is enforced while streaming. A
 * file that fails removes its own object; multer removes the stored ones of a request that fails
 * ({@link _removeFile}); once one file fails the others stop.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The filename as the client wrote it. Browsers, curl and fetch send a part's `filename="…"` as UTF-8
 * bytes, but multer 2.0 gives busboy no `defParamCharset`, so busboy reads them as latin1
 * (`página.png` arrives as `pÃ¡gina.png`). Read back as UTF-8 when those bytes are valid UTF-8; a
 * name that really was latin1 (rarely valid UTF-8 beyond ASCII) is kept as it came.
 */
export function utf8Filename(name: string): string {
  // Only a name of latin1 characters with some above ASCII can be UTF-8 bytes read as latin1.
  if (!/[\u0080-\u00ff]/.test(name) || /[\u0100-\uffff]/.test(name)) return name;
  try {
    return utf8.decode(Buffer.from(name, 'latin1'));
  } catch {
    return name;
  }
}

export class S3UploadStorage {
  private totalBytes = 0;
  private lastReceivedAt = 0;
  private failure: unknown;
  private watching = false;
  private readonly inFlight = new Set<{ stream: Readable; upload?: Upload }>();

  constructor(private readonly options: S3UploadStorageOptions) {}

  _handleFile(
    req: IncomingMessage,
    file: IncomingFile,
    callback: (error: unknown, info?: ReceivedFile) => void,
  ): void {
    this.watchForAbort(req);
    this.receive(file).then(
      (info) => callback(null, info),
      (error: unknown) => {
        this.fail(error);
        callback(error);
      },
    );
  }

  _removeFile(_req: unknown, file: Partial<ReceivedFile>, callback: (error: Error | null) => void): void {
    if (!file.s3Key) return callback(null);
    this.remove(file.s3Key).then(() => callback(null), callback);
  }

  /**
   * Stops the other files' uploads: the request's answer is decided. Their streams are drained, not
   * destroyed (multer counts a destroyed stream's file as finished, and then the callback again).
   */
  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const entry of this.inFlight) void entry.upload?.abort().catch(() => undefined);
  }

  /** A client that goes away mid-request: no more bytes will come, so the files in flight end now. */
  private watchForAbort(req: IncomingMessage): void {
    if (this.watching) return;
    this.watching = true;
    req.once('close', () => {
      if (req.complete) return;
      const aborted = new ApiError(400, 'REQUEST_ABORTED', 'the client closed the request');
      this.fail(aborted);
      for (const entry of this.inFlight) entry.stream.destroy(aborted);
    });
  }

  private async remove(key: string): Promise<void> {
    try {
      await deleteObjects(this.options.s3, this.options.bucket, [key]);
    } catch (error) {
      this.options.log.error('could not delete a file of a refused request', { err: error, s3_key: key });
    }
  }

  private async receive(file: IncomingFile): Promise<ReceivedFile> {
    const { s3, bucket, jobId, limits, log, store } = this.options;
    const { stream } = file;
    const filename = safeFilename(utf8Filename(file.originalname));
    const entry: { stream: Readable; upload?: Upload } = { stream };
    this.inFlight.add(entry);
    let s3Key: string | undefined;
    try {
      if (this.failure !== undefined) throw this.failure;
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
      if (this.failure !== undefined) throw this.failure;
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
      const type = acceptedMediaType(filename, head);
      const tiffDirectory = checkHeadPixels(filename, type, head, limits.maxImagePixels);

      const key = itemKey(jobId, itemId, type.ext);
      const receivedAt = this.nextReceivedAt();
      const started = Date.now();
      // Nothing is read from the request until done() runs, i.e. until the file has a slot.
      const upload = new Upload({
        client: s3,
        params: { Bucket: bucket, Key: key, Body: Readable.from(rest()), ContentType: type.mime },
        partSize: PART_SIZE,
        queueSize: 1,
        leavePartsOnError: false,
      });
      entry.upload = upload;
      // Known before the upload ends: a failure deletes it even if an abort raced the last write.
      s3Key = key;
      try {
        await this.options.uploadSlots(() => upload.done());
      } catch (error) {
        if (error instanceof ApiError || this.failure !== undefined) throw this.failure ?? error;
        throw new DependencyError('s3', `upload of ${key} failed`, { cause: error });
      }
      log.info('file stored', {
        item_id: itemId,
        s3_key: key,
        bytes,
        content_type: type.mime,
        // Includes the wait for an upload slot.
        duration_ms: Date.now() - started,
      });
      // Known only once every byte has streamed past: the BMP's size against its header.
      checkBmp(filename, type, head, bytes);
      if (tiffDirectory)
        await checkTiffDirectory(filename, type, tiffDirectory, limits.maxImagePixels, (offset, length) =>
          readRange(s3, bucket, key, offset, length),
        );
      return {
        itemId,
        filename,
        s3Key: key,
        contentType: type.mime,
        bytes,
        sha256: hash.digest('hex'),
        receivedAt,
      };
    } catch (error) {
      if (s3Key !== undefined) await this.remove(s3Key);
      throw error;
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
}
