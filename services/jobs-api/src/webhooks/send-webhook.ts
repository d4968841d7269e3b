import http from 'node:http';
import https from 'node:https';
import { guardedLookup } from './address-guard';
import type { SignedHeaders } from './signing';

export interface SendResult {
  /** The receiver's HTTP status, when it answered. */
  statusCode?: number;
  /** Why there is no answer (timeout, refused address, connection error). */
  error?: string;
  durationMs: number;
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivateNetworks: boolean;
}

const agents = {
  guarded: {
    http: new http.Agent({ lookup: guardedLookup }),
    https: new https.Agent({ lookup: guardedLookup }),
  },
  open: { http: new http.Agent(), https: new https.Agent() },
};

/**
 * One POST of a signed payload. Redirects are never followed (a 3xx is an answer like any other
 * non-2xx), the whole exchange has one deadline, and the response body is drained but not read.
 */
export function sendWebhook(
  url: URL,
  body: string,
  headers: SignedHeaders,
  options: SendOptions,
): Promise<SendResult> {
  const started = Date.now();
  const pool = options.allowPrivateNetworks ? agents.open : agents.guarded;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const finish = (result: Omit<SendResult, 'durationMs'>) =>
      resolve({ ...result, durationMs: Date.now() - started });
    const request = transport.request(url, {
      method: 'POST',
      agent: url.protocol === 'https:' ? pool.https : pool.http,
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'user-agent': 'ocr-jobs-webhooks/1',
      },
      timeout: options.timeoutMs,
    });
    const deadline = setTimeout(
      () => request.destroy(new Error(`timed out after ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    request.on('response', (response) => {
      clearTimeout(deadline);
      response.resume();
      finish({ statusCode: response.statusCode });
    });
    request.on('timeout', () => request.destroy(new Error(`timed out after ${options.timeoutMs} ms`)));
    request.on('error', (error) => {
      clearTimeout(deadline);
      finish({ error: error.message });
    });
    request.end(body);
  });
}
