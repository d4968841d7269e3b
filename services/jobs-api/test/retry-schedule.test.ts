import { describe, expect, it } from '@jest/globals';
import { resourceDefinition } from '@ocr-jobs/contracts';
import { jobsApiConfigSchema } from '../src/config';
import { MAX_STEP_SECONDS, retryDelaySeconds } from '../src/webhooks/retry-schedule';

describe('webhook retry schedule', () => {
  const base = jobsApiConfigSchema.parse({}).WEBHOOK_BACKOFF_BASE_SECONDS;

  it('doubles each step, with between half and all of the step as the wait', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const step = base * 2 ** (attempt - 1);
      expect(retryDelaySeconds(attempt, base, () => 0)).toBe(step / 2);
      expect(retryDelaySeconds(attempt, base, () => 1)).toBe(step);
    }
  });

  it('never waits longer than SQS allows one visibility change (12 h)', () => {
    expect(retryDelaySeconds(40, base, () => 1)).toBe(MAX_STEP_SECONDS);
    expect(MAX_STEP_SECONDS).toBe(43_200);
  });

  it('covers the retry window within the queue retention and before maxReceiveCount, even at the shortest jitter', () => {
    // Prepare: the default window; every attempt is one receive of the message.
    const windowSeconds = jobsApiConfigSchema.parse({}).WEBHOOK_RETRY_WINDOW_HOURS * 3600;
    const queue = resourceDefinition.queues.webhook;

    // Act: the attempts it takes to pass the window when every wait is as short as jitter allows,
    // and the time it takes when every wait is as long as it allows.
    let attempts = 0;
    for (let elapsed = 0; elapsed < windowSeconds;) elapsed += retryDelaySeconds(++attempts, base, () => 0);
    let longest = 0;
    for (let a = 1; longest < windowSeconds; a++) longest += retryDelaySeconds(a, base, () => 1);

    // Assess
    expect(windowSeconds).toBeGreaterThanOrEqual(24 * 3600);
    expect(attempts + 1).toBeLessThan(queue.maxReceiveCount);
    expect(longest + MAX_STEP_SECONDS).toBeLessThan(queue.retentionSeconds);
  });
});
