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
 * Refuses --languages when the API cannot take them: GET /api/languages is not in every version of
 * the API (nor in the generated client), and an older API would ignore the field silently.
 */
export async function checkLanguagesSupported(connection: Connection): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${connection.url.replace(/\/+$/, '')}/api/languages`, {
      headers: { 'x-api-key': connection.apiKey },
    });
  } catch (error) {
    throw new CliError(`cannot reach ${connection.url}: ${(error as Error).message}`, { cause: error });
  }
  if (res.status === 404)
    throw new CliError('this API does not support --languages yet (no GET /api/languages)');
}
