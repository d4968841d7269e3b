import { createLogger } from '@ocr-jobs/runtime';

/** A real logger, quiet unless TEST_LOG_LEVEL asks for more. */
export const testLogger = () => createLogger('ocr-worker-test', process.env.TEST_LOG_LEVEL ?? 'error');
