/**
 * When to try a failed delivery again: exponential backoff (base · 2^(attempt-1)) capped at 12 h,
 * SQS's longest visibility timeout, with "equal jitter" (half fixed, half random) so that many
 * deliveries failing together do not retry together, yet each wait is at least half the step.
 */
export const MAX_STEP_SECONDS = 12 * 60 * 60;

export function retryDelaySeconds(attempt: number, baseSeconds: number, random: () => number = Math.random) {
  const step = Math.min(MAX_STEP_SECONDS, baseSeconds * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.max(1, Math.round(step / 2 + (step / 2) * random()));
}
