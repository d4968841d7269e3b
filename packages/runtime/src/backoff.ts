/** How long to wait between attempts; the defaults live in each service's config schema. */
export interface BackoffPolicy {
  /** Delay ceiling of the first retry; doubled per attempt. */
  baseMs: number;
  /** Longest delay. */
  maxMs: number;
}

/**
 * Exponential backoff with jitter: a random delay in [c/2, c] with c = min(max, base·2^attempt),
 * where `attempt` counts from 0. The random half spreads retries of many processes apart; the fixed
 * half keeps the delay growing.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller checks the signal itself). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
