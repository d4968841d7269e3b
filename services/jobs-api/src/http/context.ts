import type { Logger } from '@ocr-jobs/runtime';

/** Who is calling: set by the API key check on every /api route. */
export interface Caller {
  tenant: string;
  apiKeyId: string;
  /** The audit actor, `api_key:{id}`. */
  actor: string;
}

declare module 'koa' {
  interface DefaultState {
    requestId: string;
    log: Logger;
    caller: Caller;
  }
}
