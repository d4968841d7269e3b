/**
 * Sends the chosen files with upload progress (XMLHttpRequest: fetch has no upload progress events).
 * Small batches go in one multipart POST /api/jobs; a batch with a large file uses presigned uploads
 * (POST /api/uploads, PUT each file to its URL, then POST /api/jobs with the keys).
 */
import { jobForm, type JobDetail, type OcrClient, type Schemas } from '@ocr-jobs/client';

/** From this size on a file goes to S3 directly instead of through the API. */
export const LARGE_FILE_BYTES = 16 * 1024 * 1024;

/** A refused request, with the API's error code when it sent one. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type OnProgress = (fileIndex: number, fraction: number) => void;

interface Sent {
  status: number;
  text: string;
}

function send(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: XMLHttpRequestBodyInit,
  onProgress: (loaded: number) => void,
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (e) => onProgress(e.loaded));
    xhr.addEventListener('load', () => resolve({ status: xhr.status, text: xhr.responseText }));
    xhr.addEventListener('error', () =>
      reject(new RequestError(0, 'NETWORK', `cannot reach ${new URL(url, location.href).host}`)),
    );
    xhr.send(body);
  });
}

/** The API's `{error:{code,message}}` as a RequestError. */
export function toRequestError(status: number, body: unknown): RequestError {
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return new RequestError(
    status,
    error?.code ?? `HTTP_${status}`,
    error?.message ?? `the server answered ${status}`,
  );
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function uploadJob(
  client: OcrClient,
  apiKey: string,
  input: { name: string; files: File[]; languages?: string },
  onProgress: OnProgress,
): Promise<JobDetail> {
  if (input.files.some((f) => f.size >= LARGE_FILE_BYTES)) return uploadPresigned(client, input, onProgress);
  const form = jobForm(
    input.name,
    input.files.map((f) => ({ filename: f.name, data: f })),
    input.languages,
  );
  // Bytes sent so far, shared out over the files in form order.
  const starts = input.files.reduce<number[]>((acc, f, i) => [...acc, (acc[i] ?? 0) + f.size], [0]);
  const sent = await send('POST', '/api/jobs', { 'x-api-key': apiKey }, form, (loaded) =>
    input.files.forEach((f, i) =>
      onProgress(i, Math.min(1, Math.max(0, (loaded - (starts[i] ?? 0)) / f.size))),
    ),
  );
  const body = parse(sent.text);
  if (sent.status !== 201) throw toRequestError(sent.status, body);
  input.files.forEach((_, i) => onProgress(i, 1));
  return body as JobDetail;
}

async function uploadPresigned(
  client: OcrClient,
  input: { name: string; files: File[]; languages?: string },
  onProgress: OnProgress,
): Promise<JobDetail> {
  const keys: string[] = [];
  for (const [i, file] of input.files.entries()) {
    const ticket = await client.POST('/api/uploads', {
      // The browser's guess of the type; the API refuses (400, with the accepted list) what it does not take.
      body: {
        filename: file.name,
        content_type: file.type as Schemas['CreateUpload']['content_type'],
        size: file.size,
      },
    });
    if (!ticket.data) throw toRequestError(ticket.response.status, ticket.error);
    const put = await send('PUT', ticket.data.upload_url, ticket.data.upload_headers, file, (loaded) =>
      onProgress(i, loaded / file.size),
    );
    if (put.status >= 300)
      throw new RequestError(put.status, 'UPLOAD_FAILED', `storing "${file.name}" failed (${put.status})`);
    onProgress(i, 1);
    keys.push(ticket.data.key);
  }
  const created = await client.POST('/api/jobs', {
    body: { name: input.name, uploads: keys, ...(input.languages ? { languages: input.languages } : {}) },
  });
  if (!created.data) throw toRequestError(created.response.status, created.error);
  return created.data;
}
