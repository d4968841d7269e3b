import { badRequest } from '../http/api-error';

/** Where a page of the job list ends: the (created_at, id) of its last job. Opaque to clients. */
export interface ListPosition {
  createdAt: Date;
  id: string;
}

export function encodeListCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id]), 'utf8').toString(
    'base64url',
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeListCursor(cursor: string): ListPosition {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    ) {
      const createdAt = new Date(value[0]);
      if (!Number.isNaN(createdAt.getTime()) && UUID.test(value[1])) return { createdAt, id: value[1] };
    }
  } catch {
    // falls through to the 400
  }
  throw badRequest('INVALID_CURSOR', 'cursor is not one this endpoint handed out');
}
