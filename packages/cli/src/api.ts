import { createOcrClient, describeError, type OcrClient } from '@ocr-jobs/client';

/** Exit codes: every item read, some items failed, the command could not do its work. */
export const EXIT = { ok: 0, itemsFailed: 1, usage: 2 } as const;

/** A failure that ends the command with exit code 2 and a one-line message. */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface Connection {
  url: string;
  apiKey: string;
}

/** URL and key from the flags, else OCR_API_URL / OCR_API_KEY; the key is required. */
export function connectionFrom(flags: { url?: string; apiKey?: string }, env = process.env): Connection {
  const url = flags.url ?? env.OCR_API_URL ?? 'http://localhost:3000';
  const apiKey = flags.apiKey ?? env.OCR_API_KEY;
  if (!apiKey) throw new CliError('no API key: pass --api-key or set OCR_API_KEY (npm start prints one)');
  return { url, apiKey };
}

/** A client whose network failures become CliErrors naming the URL. */
export function clientFor(connection: Connection): OcrClient {
  return createOcrClient({
    baseUrl: connection.url,
    apiKey: connection.apiKey,
    fetch: async (input) => {
      try {
        return await fetch(input);
      } catch (error) {
        throw new CliError(
          `cannot reach ${connection.url}: ${(error as Error).cause ?? (error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    },
  });
}

/** The data of an openapi-fetch answer, or a CliError with the API's `{error:{code,message}}`. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) throw new CliError(describeError(result.error, result.response));
  return result.data;
}

/**
 * Checks --languages against GET /api/languages before any file is sent: a language the workers
 * cannot read would otherwise be refused (422) only after a whole batch was uploaded.
 */
export async function checkLanguages(client: OcrClient, languages: string): Promise<void> {
  const available = ok(await client.GET('/api/languages')).data.map((l) => l.code);
  const unknown = languages
    .toLowerCase()
    .split('+')
    .map((code) => code.trim())
    .filter((code) => !available.includes(code));
  if (unknown.length > 0)
    throw new CliError(
      `--languages: no OCR model for ${unknown.join(', ')}; available: ${available.join(', ')}`,
    );
}
