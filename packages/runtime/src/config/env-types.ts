import { z } from 'zod';

/** zod types for values that arrive as strings in the environment. */
export const env = {
  port: (fallback: number) =>
    z.coerce
      .number({ message: 'expected a port number 1-65535' })
      .int({ message: 'expected a port number 1-65535' })
      .min(1, { message: 'expected a port number 1-65535' })
      .max(65535, { message: 'expected a port number 1-65535' })
      .default(fallback),
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce
      .number({ message: `expected a whole number ${min}-${max}` })
      .int({ message: `expected a whole number ${min}-${max}` })
      .min(min, { message: `expected a whole number ${min}-${max}` })
      .max(max, { message: `expected a whole number ${min}-${max}` })
      .default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  /** Comma-separated list; empty entries dropped. */
  list: (fallback: string[] = []) =>
    z
      .string()
      .default(fallback.join(','))
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
  optionalString: () =>
    z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim())),
};
