/**
 * The page jobs-api serves at /: an API key kept in localStorage, files to a new job with per-file
 * progress, the job list (polled while anything runs), and one job's items with their text.
 * All API calls go through the typed client generated from the OpenAPI document.
 */
import {
  createOcrClient,
  type JobDetail,
  type JobItem,
  type JobSummary,
  type OcrClient,
} from '@ocr-jobs/client';
import { attachmentName, byId, downloadBlob, downloadText, h, textFilename } from './dom';
import { RequestError, toRequestError, uploadJob } from './upload';

const KEY_STORAGE = 'ocr-jobs.apiKey';
const POLL_MS = 2000;
const ACCEPTED = /^(image\/|application\/pdf$)/;
const ACCEPTED_EXTENSIONS = /\.(png|jpe?g|tiff?|webp|bmp|gif|pdf)$/i;
const FINISHED = new Set(['DONE', 'ERROR', 'EXPIRED']);

const keyInput = byId<HTMLInputElement>('api-key');
const alertBox = byId('alert');
const filesInput = byId<HTMLInputElement>('files');
const drop = byId('drop');
const fileList = byId<HTMLUListElement>('file-list');
const nameInput = byId<HTMLInputElement>('job-name');
const languagesField = byId('languages-field');
const languagesSelect = byId<HTMLSelectElement>('languages');
const startButton = byId<HTMLButtonElement>('start');
const formStatus = byId('form-status');
const jobsList = byId<HTMLUListElement>('jobs');
const jobsEmpty = byId('jobs-empty');
const jobView = byId('job-view');
const jobTitle = byId('job-title');
const jobMeta = byId('job-meta');
const jobProgress = byId<HTMLProgressElement>('job-progress');
const renameInput = byId<HTMLInputElement>('rename-input');
const jobStatus = byId('job-status');
const itemsList = byId<HTMLOListElement>('items');
const retryButton = byId<HTMLButtonElement>('retry-job');

let client: OcrClient = createOcrClient({ baseUrl: location.origin, apiKey: '' });
let chosen: File[] = [];
let jobs: JobSummary[] = [];
let openJob: JobDetail | undefined;

function showAlert(message: string | undefined): void {
  alertBox.textContent = message ?? '';
  alertBox.hidden = !message;
}

function setStatus(el: HTMLElement, message: string, isError = false): void {
  el.textContent = message;
  el.classList.toggle('error', isError);
}

/** A refused call as a sentence a person can act on. */
function explain(error: unknown): string {
  if (error instanceof RequestError) {
    if (error.status === 401) return `The API key was not accepted (${error.message}). Check it above.`;
    if (error.code === 'NETWORK') return `The server cannot be reached: ${error.message}.`;
    return `${error.message} (${error.code})`;
  }
  return `Something went wrong: ${String(error)}`;
}

/** Unwraps an openapi-fetch answer, turning an error body into a RequestError. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) throw toRequestError(result.response.status, result.error);
  return result.data;
}

function useKey(key: string): void {
  localStorage.setItem(KEY_STORAGE, key);
  client = createOcrClient({ baseUrl: location.origin, apiKey: key });
  showAlert(undefined);
  void loadLanguages();
  void refreshJobs();
}

// --- files -------------------------------------------------------------------------------------

function isAccepted(file: File): boolean {
  return ACCEPTED.test(file.type) || ACCEPTED_EXTENSIONS.test(file.name);
}

function choose(files: FileList | File[]): void {
  const all = [...files];
  chosen = all.filter(isAccepted);
  fileList.replaceChildren(
    ...chosen.map((f, i) =>
      h(
        'li',
        {},
        h('span', {}, `${f.name} (${formatBytes(f.size)})`),
        h('progress', { max: 1, value: 0, id: `file-progress-${i}`, 'aria-label': `Upload of ${f.name}` }),
      ),
    ),
    ...all
      .filter((f) => !isAccepted(f))
      .map((f) => h('li', { class: 'rejected' }, `${f.name} is not an image or a PDF and will not be sent.`)),
  );
  if (!nameInput.value && chosen[0]) nameInput.value = chosen[0].name.replace(/\.[^.]+$/, '');
  setStatus(formStatus, chosen.length ? `${chosen.length} file(s) ready.` : '');
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

filesInput.addEventListener('change', () => filesInput.files && choose(filesInput.files));
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer?.files) choose(e.dataTransfer.files);
});

byId<HTMLFormElement>('new-job').addEventListener('submit', (e) => {
  e.preventDefault();
  void startOcr();
});

async function startOcr(): Promise<void> {
  const key = keyInput.value.trim();
  if (!key) return (setStatus(formStatus, 'Enter your API key first.', true), keyInput.focus());
  if (!chosen.length)
    return (setStatus(formStatus, 'Choose at least one image or PDF.', true), filesInput.focus());
  const name = nameInput.value.trim();
  if (!name) return (setStatus(formStatus, 'Give the job a name.', true), nameInput.focus());
  const languages = [...languagesSelect.selectedOptions].map((o) => o.value).join('+') || undefined;
  startButton.disabled = true;
  setStatus(formStatus, 'Uploading…');
  try {
    const job = await uploadJob(client, key, { name, files: chosen, languages }, (i, fraction) => {
      const bar = document.getElementById(`file-progress-${i}`) as HTMLProgressElement | null;
      if (bar) bar.value = fraction;
    });
    setStatus(formStatus, `Job "${job.name}" started with ${job.total_items} file(s).`);
    chosen = [];
    filesInput.value = '';
    nameInput.value = '';
    fileList.replaceChildren();
    await refreshJobs();
    showJob(job);
  } catch (error) {
    setStatus(formStatus, explain(error), true);
  } finally {
    startButton.disabled = false;
  }
}

// --- languages ---------------------------------------------------------------------------------

/** Fills the Languages list from GET /api/languages, the server's default selected. */
async function loadLanguages(): Promise<void> {
  const res = await client.GET('/api/languages').catch(() => undefined);
  if (!res?.data) return void (languagesField.hidden = true);
  const defaults = res.data.default.split('+');
  languagesSelect.replaceChildren(
    ...res.data.data.map((l) => {
      const option = h('option', { value: l.code }, `${l.name} (${l.code})`);
      option.selected = defaults.includes(l.code);
      return option;
    }),
  );
  languagesField.hidden = res.data.data.length === 0;
}

// --- job list ----------------------------------------------------------------------------------

async function refreshJobs(): Promise<void> {
  if (!keyInput.value.trim()) {
    jobs = [];
    jobsEmpty.textContent = 'Enter your API key to see your jobs.';
    return renderJobs();
  }
  try {
    jobs = ok(await client.GET('/api/jobs', { params: { query: { limit: 50 } } })).data;
    jobsEmpty.textContent = 'No jobs yet.';
    showAlert(undefined);
  } catch (error) {
    jobs = [];
    jobsEmpty.textContent = 'Jobs cannot be shown.';
    showAlert(explain(error));
  }
  renderJobs();
}

function renderJobs(): void {
  jobsEmpty.hidden = jobs.length > 0;
  jobsList.replaceChildren(
    ...jobs.map((job) => {
      const finished = job.done_items + job.error_items;
      // DONE means at least one item was read: say how many failed, so partial work is not hidden.
      const failed = job.error_items > 0 ? `, ${job.error_items} failed` : '';
      const button = h(
        'button',
        { type: 'button', class: 'job', 'aria-label': `Open job ${job.name}, ${job.status}` },
        h('span', { class: 'name' }, job.name),
        h('span', { class: `badge ${job.status}` }, job.status),
        h(
          'span',
          { class: 'help' },
          `${job.done_items} of ${job.total_items} read${failed} · ${new Date(job.created_at).toLocaleString()}`,
        ),
        h('progress', { max: job.total_items, value: finished, 'aria-hidden': 'true' }),
      );
      button.addEventListener('click', () => void openJobById(job.id));
      return h('li', {}, button);
    }),
  );
}

// --- one job -----------------------------------------------------------------------------------

async function openJobById(id: string): Promise<void> {
  try {
    showJob(ok(await client.GET('/api/jobs/{id}', { params: { path: { id } } })));
  } catch (error) {
    showAlert(explain(error));
  }
}

function showJob(job: JobDetail, focus = true): void {
  const first = openJob?.id !== job.id;
  openJob = job;
  jobView.hidden = false;
  jobTitle.textContent = job.name;
  jobMeta.textContent = `${job.status} · ${job.done_items} done, ${job.error_items} failed, ${job.total_items} in all · created ${new Date(job.created_at).toLocaleString()}`;
  jobProgress.value = job.progress_percent;
  retryButton.hidden = job.error_items === 0 || job.status === 'EXPIRED';
  // The job's downloads are built once every item has finished (409 before).
  for (const format of ['txt', 'zip'])
    byId<HTMLButtonElement>(`download-${format}`).disabled = !FINISHED.has(job.status);
  byId<HTMLButtonElement>('download-pdf').disabled = !FINISHED.has(job.status) || job.done_items === 0;
  if (first) {
    renameInput.value = job.name;
    setStatus(jobStatus, '');
  }
  itemsList.replaceChildren(...job.items.map((item) => renderItem(job.id, item)));
  if (first && focus) jobTitle.focus();
}

function renderItem(jobId: string, item: JobItem): HTMLLIElement {
  const header = h(
    'div',
    { class: 'row' },
    h('h3', {}, item.filename),
    h('span', { class: `badge ${item.status}` }, item.status),
  );
  if (item.status === 'ERROR')
    return h(
      'li',
      {},
      header,
      h('p', { class: 'error' }, item.error_msg ?? 'could not be read'),
      h('div', { class: 'actions' }, readAgainButton(item)),
    );
  if (item.status !== 'DONE') return h('li', {}, header, h('p', { class: 'help' }, 'Waiting for OCR…'));
  const text = item.ocr_text ?? '';
  const copy = h('button', { type: 'button' }, 'Copy text');
  copy.addEventListener('click', () => {
    void navigator.clipboard.writeText(text).then(
      () => setStatus(jobStatus, `Copied the text of ${item.filename}.`),
      () => setStatus(jobStatus, 'Copying is not allowed here; select the text instead.', true),
    );
  });
  const download = h('button', { type: 'button' }, 'Download .txt');
  download.addEventListener('click', () => downloadText(textFilename(item.filename), text));
  const pdf = h('button', { type: 'button' }, 'Download PDF');
  pdf.addEventListener('click', () =>
    downloadFromApi(
      client.GET('/api/jobs/{id}/items/{item_id}', {
        params: { path: { id: jobId, item_id: item.id }, query: { format: 'pdf' } },
        parseAs: 'blob',
      }),
      'item.pdf',
    ),
  );
  const confidence = item.confidence === null ? '' : `Confidence ${Math.round(item.confidence)}%`;
  return h(
    'li',
    {},
    header,
    h('p', { class: 'help' }, confidence),
    h('pre', { tabindex: 0, 'aria-label': `Text of ${item.filename}` }, text || '(no text found)'),
    h('div', { class: 'actions' }, copy, download, pdf, readAgainButton(item)),
  );
}

/** Reprocess: the item is read again (with the job's languages; the API takes others too). */
function readAgainButton(item: JobItem): HTMLButtonElement {
  const button = h('button', { type: 'button', 'aria-label': `Read ${item.filename} again` }, 'Read again');
  button.addEventListener('click', () => {
    const job = openJob;
    if (!job) return;
    void requeue(
      client.POST('/api/jobs/{id}/items/{item_id}/reprocess', {
        params: { path: { id: job.id, item_id: item.id } },
        body: {},
      }),
      `Reading ${item.filename} again.`,
    );
  });
  return button;
}

/** Shows the re-queued job (the poll follows it while it runs) and refreshes the list. */
async function requeue(
  call: Promise<{ data?: JobDetail; error?: unknown; response: Response }>,
  done: string,
): Promise<void> {
  try {
    showJob(ok(await call), false);
    setStatus(jobStatus, done);
    await refreshJobs();
  } catch (error) {
    setStatus(jobStatus, explain(error), true);
  }
}

retryButton.addEventListener('click', () => {
  const job = openJob;
  if (!job) return;
  void requeue(
    client.POST('/api/jobs/{id}/retry', { params: { path: { id: job.id } } }),
    `Reading the ${job.error_items} failed item(s) again.`,
  );
});

byId('close-job').addEventListener('click', () => {
  jobView.hidden = true;
  openJob = undefined;
});

byId<HTMLFormElement>('rename').addEventListener('submit', (e) => {
  e.preventDefault();
  const job = openJob;
  if (!job) return;
  void (async () => {
    try {
      const renamed = ok(
        await client.PATCH('/api/jobs/{id}', {
          params: { path: { id: job.id } },
          body: { name: renameInput.value },
        }),
      );
      showJob(renamed, false);
      setStatus(jobStatus, `Renamed to "${renamed.name}".`);
      await refreshJobs();
    } catch (error) {
      setStatus(jobStatus, explain(error), true);
    }
  })();
});

byId('delete-job').addEventListener('click', () => {
  const job = openJob;
  if (!job || !confirm(`Delete the job "${job.name}" with its files and text? This cannot be undone.`))
    return;
  void (async () => {
    const result = await client.DELETE('/api/jobs/{id}', { params: { path: { id: job.id } } });
    if (!result.response.ok)
      return setStatus(jobStatus, explain(toRequestError(result.response.status, result.error)), true);
    jobView.hidden = true;
    openJob = undefined;
    setStatus(formStatus, `Deleted the job "${job.name}".`);
    await refreshJobs();
  })();
});

/** Fetches a download the API builds (it needs the key header, so not a plain link) and offers it. */
function downloadFromApi(
  request: Promise<{ data?: Blob; error?: unknown; response: Response }>,
  fallbackName: string,
): void {
  void (async () => {
    try {
      const result = await request;
      downloadBlob(attachmentName(result.response, fallbackName), ok(result));
    } catch (error) {
      setStatus(jobStatus, explain(error), true);
    }
  })();
}

for (const format of ['txt', 'pdf', 'zip'] as const)
  byId(`download-${format}`).addEventListener('click', () => {
    if (!openJob) return;
    downloadFromApi(
      client.GET('/api/jobs/{id}/result', {
        params: { path: { id: openJob.id }, query: { format } },
        parseAs: 'blob',
      }),
      `job.${format}`,
    );
  });

byId('refresh').addEventListener('click', () => void refreshJobs());

// --- live progress: poll while something is unfinished -----------------------------------------

setInterval(() => {
  if (document.hidden || !keyInput.value.trim()) return;
  if (jobs.some((j) => !FINISHED.has(j.status))) void refreshJobs();
  if (openJob && !FINISHED.has(openJob.status)) void openJobById(openJob.id);
}, POLL_MS);

keyInput.value = localStorage.getItem(KEY_STORAGE) ?? '';
keyInput.addEventListener('change', () => useKey(keyInput.value.trim()));
useKey(keyInput.value.trim());
