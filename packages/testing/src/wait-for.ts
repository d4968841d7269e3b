interface Timing {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** Pause between checks (default 100 ms). */
  intervalMs?: number;
}

/**
 * Calls `check` until its value is the one waited for, and returns that value: by default any truthy
 * value (a count above 0, true, an object); with `until`, a value `until` accepts.
 * A check that throws is tried again. On timeout the error names `what` and what was last seen (value or error), so a failing wait
 * explains itself.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  options: Timing & { until: (value: T) => boolean },
): Promise<T>;
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  options?: Timing,
): Promise<Exclude<T, undefined | null | false | 0 | ''>>;
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  options: Timing & { until?: (value: T) => boolean } = {},
): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 100, until = Boolean } = options;
  const deadline = Date.now() + timeoutMs;
  let seen = 'nothing yet';
  for (;;) {
    try {
      const value = await check();
      if (until(value)) return value;
      seen = describe(value);
    } catch (error) {
      seen = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last seen: ${seen}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
