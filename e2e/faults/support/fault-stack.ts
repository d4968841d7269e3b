import path from 'node:path';
import { startLocalStack, type RunningStack } from '@ocr-jobs/local-stack';
import type { StackHandle } from './invariants';

/**
 * Short timings so every recovery path runs within seconds: a 4 s lease with a 1 s heartbeat, and a
 * reconciler pass every second that treats an item as stranded after 3 s without a queue message.
 */
export const FAST_RECOVERY = {
  OCR_VISIBILITY_TIMEOUT_S: '4',
  OCR_HEARTBEAT_INTERVAL_S: '1',
  OCR_RETRY_DELAY_S: '1',
  RECOVERY_INTERVAL_MS: '1000',
  RECOVERY_QUIET_MS: '3000',
  OCR_WAIT_TIME_S: '1',
};

export interface FaultStack extends RunningStack {
  handle: StackHandle;
}

/** `npm start` as real processes, with the fast recovery settings and the given overrides. */
export async function startFaultStack(
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<FaultStack> {
  const stack = await startLocalStack({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    env: { ...FAST_RECOVERY, ...options.env },
  });
  return Object.assign(stack, {
    handle: {
      apiUrl: stack.apiUrl,
      apiKey: stack.apiKey,
      databaseUrl: `sqlite:${path.join(stack.dataDir, 'ocr-jobs.sqlite')}`,
      s3Endpoint: `http://127.0.0.1:${stack.ports.s3}`,
    },
  });
}
