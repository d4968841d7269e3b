import { InvalidCursorError } from '@ocr-jobs/audit-store';
import { DependencyError, OcrJobsError } from '@ocr-jobs/runtime';
import { BaseError as SequelizeError, ConnectionError, TimeoutError } from 'sequelize';

/** A failure the client sees as `{"error":{"code","message"}}` with this HTTP status. */
export class ApiError extends OcrJobsError {
  readonly expose = true;
  constructor(
    readonly status: number,
    code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export const badRequest = (code: string, message: string) => new ApiError(400, code, message);
export const notFound = (code: string, message: string) => new ApiError(404, code, message);

/** AWS SDK errors that mean "the service answered, the thing is not there". */
const AWS_NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket', 'ResourceNotFoundException']);

export function isAwsNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return AWS_NOT_FOUND.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 404;
}

/** Runs an AWS call; any failure becomes a DependencyError, so the client gets 503 with a code. */
export async function callAws<T>(
  dependency: 's3' | 'sqs' | 'dynamodb',
  what: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new DependencyError(dependency, `${what} failed`, { cause: error });
  }
}

/**
 * Turns anything thrown while handling a request into status + code + message. Known client errors
 * keep their message; dependency outages are 503 with a code per dependency; the rest is 500.
 */
export function toHttpError(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof InvalidCursorError)
    return { status: 400, code: 'INVALID_CURSOR', message: error.message };
  if (error instanceof DependencyError)
    return {
      status: 503,
      code: `${error.dependency.toUpperCase()}_UNAVAILABLE`,
      message: `${error.dependency} is unavailable, try again later`,
    };
  if (error instanceof ConnectionError || error instanceof TimeoutError || isBusyDatabase(error))
    return { status: 503, code: 'DATABASE_UNAVAILABLE', message: 'database is unavailable, try again later' };
  // Koa / http-errors (e.g. the JSON body parser) carry a status and `expose` for client errors.
  const e = error as { status?: number; expose?: boolean; message?: string; type?: string };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return {
      status: e.status,
      code: httpErrorCode(e.status, e.type),
      message: e.expose ? (e.message ?? '') : 'bad request',
    };
  }
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

function isBusyDatabase(error: unknown): boolean {
  return (
    error instanceof SequelizeError &&
    /SQLITE_BUSY|ER_LOCK_WAIT_TIMEOUT|ER_LOCK_DEADLOCK|Deadlock found/.test(String(error.message))
  );
}

function httpErrorCode(status: number, type?: string): string {
  if (type === 'entity.parse.failed') return 'INVALID_JSON';
  if (type === 'entity.too.large') return 'BODY_TOO_LARGE';
  if (status === 413) return 'BODY_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_CONTENT_TYPE';
  return status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST';
}
