/**
 * The typed client of the jobs API. Its types are generated from the OpenAPI document jobs-api serves
 * (src/generated/api.ts, by `npm run generate`), so a call that does not match the document does not
 * compile. This file adds only what openapi-fetch cannot know: the API key header and multipart.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './generated/api';

export type { components, operations, paths };
export type Schemas = components['schemas'];
export type JobDetail = Schemas['JobDetail'];
export type JobItem = Schemas['JobItem'];
export type JobSummary = Schemas['JobSummary'];
export type JobStatus = JobDetail['status'];
export type AuditEvent = Schemas['AuditEvent'];
export type UploadTicket = Schemas['UploadTicket'];
export type ApiErrorBody = Schemas['Error'];
export type OcrClient = Client<paths>;

export interface ClientOptions {
  /** Where the API answers, e.g. http://localhost:3000 (no trailing /api). */
  baseUrl: string;
  apiKey: string;
  /** A fetch of your own (tests, proxies); the global one by default. */
  fetch?: typeof fetch;
}

/** A client whose every request carries the API key. */
export function createOcrClient(options: ClientOptions): OcrClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { 'x-api-key': options.apiKey },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** A file for a multipart job: its name is for display only, the server decides its type by content. */
export interface NamedFile {
  filename: string;
  data: Blob;
}

/** The multipart body of POST /api/jobs (createJob), built as the document describes it. */
export function jobForm(name: string, files: NamedFile[], languages?: string): FormData {
  const form = new FormData();
  form.append('name', name);
  if (languages) form.append('languages', languages);
  for (const file of files) form.append('images', file.data, file.filename);
  return form;
}

/** POST /api/jobs with files in one multipart request. */
export function createJobFromFiles(
  client: OcrClient,
  input: { name: string; files: NamedFile[]; languages?: string; idempotencyKey?: string },
) {
  return client.POST('/api/jobs', {
    params: { header: input.idempotencyKey ? { 'idempotency-key': input.idempotencyKey } : {} },
    // The typed body is the schema's fields; on the wire it is FormData (the browser sets the boundary).
    body: { name: input.name, images: [] },
    bodySerializer: () => jobForm(input.name, input.files, input.languages),
  });
}

/** The `{error:{code,message}}` of a failed call as one line, or a fallback for a non-JSON failure. */
export function describeError(error: unknown, response?: Response): string {
  const body = error as Partial<ApiErrorBody> | undefined;
  if (body?.error?.code) return `${body.error.code}: ${body.error.message}`;
  return response ? `HTTP ${response.status} ${response.statusText}` : String(error);
}
