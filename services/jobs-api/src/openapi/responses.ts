import type { z } from 'zod';
import * as s from '../api/schemas';

/** The response and security shapes every documented operation uses. */
export const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
export const error = (description: string) => json(s.errorBody, description);
export const security = [{ ApiKey: [] }];
export const authErrors = {
  401: error('Missing, invalid or revoked API key'),
  503: error('A dependency is unavailable'),
};
