import type { z } from 'zod';
import { ApiError } from '../http/api-error';

/** Parses a request part; a mismatch is 400 with the first problem named (`name: must be 1-255 characters`). */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code = 'VALIDATION_FAILED',
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  throw new ApiError(400, code, `${where}${issue?.message ?? 'invalid request'}`);
}
