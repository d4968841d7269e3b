import { OcrJobsError } from '@ocr-jobs/runtime';

/**
 * A failure that retrying cannot fix: the item is marked ERROR with this message (shown to the
 * client as `error_msg`) and the message is deleted at once.
 */
export class PermanentItemError extends OcrJobsError {}

export class UnsupportedFileError extends PermanentItemError {
  constructor(message: string) {
    super('UNSUPPORTED_FILE', message);
  }
}

export class CorruptFileError extends PermanentItemError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CORRUPT_FILE', message, options);
  }
}

/** The header announces more pixels than allowed: a decompression bomb, refused before decoding. */
export class TooManyPixelsError extends PermanentItemError {
  constructor(message: string) {
    super('TOO_MANY_PIXELS', message);
  }
}

export class TooManyPagesError extends PermanentItemError {
  constructor(message: string) {
    super('TOO_MANY_PAGES', message);
  }
}

/** The item's page range selects no page the file has. */
export class NoSelectedPagesError extends PermanentItemError {
  constructor(message: string) {
    super('NO_SELECTED_PAGES', message);
  }
}

export class FileMissingError extends PermanentItemError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FILE_MISSING', message, options);
  }
}

/** The item's OCR ran past OCR_ITEM_TIMEOUT_MS; its engine worker was terminated. */
export class OcrTimeoutError extends PermanentItemError {
  constructor(timeoutMs: number) {
    super('OCR_TIMEOUT', `OCR did not finish within ${timeoutMs} ms`);
  }
}

/** Work stopped because the process is shutting down; the message is released, not failed. */
export class ShutdownAbortError extends OcrJobsError {
  constructor() {
    super('SHUTTING_DOWN', 'stopped for shutdown');
  }
}

/** The configured OCR model file is not on disk: the worker refuses to start. */
export class ModelMissingError extends OcrJobsError {
  constructor(message: string) {
    super('MODEL_MISSING', message);
  }
}

/** The item asks for a language this worker has no model for (jobs-api refuses those; a mismatched deploy). */
export class UnsupportedLanguageError extends PermanentItemError {
  constructor(message: string) {
    super('UNSUPPORTED_LANGUAGE', message);
  }
}
