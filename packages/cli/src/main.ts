#!/usr/bin/env node
/**
 * ocr-jobs: the jobs API from a terminal. Every call goes through @ocr-jobs/client, the client
 * generated from the API's OpenAPI document. Exit codes: 0 all done, 1 some items failed,
 * 2 usage or connection error.
 */
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CliError, EXIT, checkLanguages, clientFor, connectionFrom, ok } from './api';
import { collectFiles } from './files';
import { getJob, report, waitForJobs, writeTexts } from './jobs';
import { createProgress } from './progress';
import { submitFiles } from './submit';

const program = new Command('ocr-jobs')
  .description('Turn scans and PDFs into text with the ocr-jobs API')
  .option('--url <url>', 'API base URL (default: $OCR_API_URL or http://localhost:3000)')
  .option('--api-key <key>', 'API key (default: $OCR_API_KEY)')
  .showHelpAfterError()
  .exitOverride();

const client = () => clientFor(connectionFrom(program.opts<{ url?: string; apiKey?: string }>()));
const print = (line: string): void => void process.stdout.write(`${line}\n`);
const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return n;
};

program
  .command('submit')
  .description('Upload files and folders (images, PDFs) as jobs; with --wait or --out, wait for the text')
  .argument('<paths...>', 'files, or folders to read recursively')
  .option('--name <name>', 'job name (default: the first path’s name)')
  .option('--languages <langs>', 'languages of the text, e.g. por or por+eng (see: ocr-jobs languages)')
  .option('--wait', 'wait until every item is read')
  .option('--out <dir>', 'write one .txt per item into this folder (implies --wait)')
  .option('--batch-size <n>', 'files per job', positiveInt, 20)
  .option('--parallel <n>', 'batches uploading at once', positiveInt, 3)
  .action(async (paths: string[], opts) => {
    const api = client();
    const files = collectFiles(paths);
    if (opts.languages) await checkLanguages(api, opts.languages as string);
    const name = (opts.name as string | undefined) ?? path.basename(path.resolve(paths[0] as string));
    const progress = createProgress();
    let submitted;
    try {
      const uploaded = progress.counter('Upload', files.length, 'files');
      uploaded.update(0);
      submitted = await submitFiles(
        api,
        files,
        { name, languages: opts.languages, batchSize: opts.batchSize, parallel: opts.parallel },
        uploaded,
      );
      if (!opts.wait && !opts.out) {
        progress.stop();
        for (const { job, replayed } of submitted)
          print(
            `${job.id}  ${job.total_items} file(s)  ${job.name}${replayed ? '  (already submitted)' : ''}`,
          );
        return;
      }
      const jobs = await waitForJobs(
        api,
        submitted.map((s) => s.job.id),
        progress,
      );
      progress.stop();
      if (opts.out) for (const file of writeTexts(opts.out, jobs)) print(`wrote ${file}`);
      process.exitCode = report(jobs);
    } finally {
      progress.stop();
    }
  });

program
  .command('languages')
  .description('The languages files can be read in (use the codes with submit --languages)')
  .action(async () => {
    const { data, default: defaults } = ok(await client().GET('/api/languages'));
    for (const l of data) print(`${l.code.padEnd(12)}${l.name.padEnd(24)}${l.model}`);
    print(`default: ${defaults}`);
  });

program
  .command('list')
  .description('Your jobs, newest first')
  .option('--status <status>', 'only jobs in this status (PENDING, PROCESSING, DONE, ERROR, EXPIRED)')
  .option('--has-errors', 'only jobs with failed items')
  .option('--no-errors', 'only jobs without failed items')
  .option('--limit <n>', 'how many', positiveInt, 20)
  .action(async (opts) => {
    // commander: --has-errors sets hasErrors; --no-errors sets errors to false (true when absent).
    const hasErrors = opts.hasErrors ? 'true' : opts.errors === false ? 'false' : undefined;
    const page = ok(
      await client().GET('/api/jobs', {
        params: {
          query: {
            limit: opts.limit,
            ...(opts.status ? { status: opts.status } : {}),
            ...(hasErrors ? { has_errors: hasErrors } : {}),
          },
        },
      }),
    );
    for (const j of page.data)
      print(
        `${j.id}  ${j.status.padEnd(10)} ${j.done_items + j.error_items}/${j.total_items}  ${j.created_at}  ${j.name}`,
      );
  });

program
  .command('get')
  .description('A job and its items')
  .argument('<id>')
  .option('--json', 'the whole job as JSON, texts included')
  .action(async (id: string, opts) => {
    const job = await getJob(client(), id);
    if (opts.json) return print(JSON.stringify(job, null, 2));
    print(
      `${job.name}\n${job.id}  ${job.status}  ${job.progress_percent}%  ${job.done_items} done, ${job.error_items} failed, ${job.total_items} in all`,
    );
    for (const item of job.items) {
      const confidence = item.confidence === null ? '' : `  confidence ${Math.round(item.confidence)}%`;
      print(`\n== ${item.filename}  ${item.status}${confidence}`);
      if (item.status === 'DONE') print(item.ocr_text ?? '');
      if (item.status === 'ERROR') print(`error: ${item.error_msg ?? 'unknown'}`);
    }
  });

program
  .command('retry')
  .description("Read a job's failed items again (after their cause is fixed)")
  .argument('<id>')
  .action(async (id: string) => {
    const before = await getJob(client(), id);
    const job = ok(await client().POST('/api/jobs/{id}/retry', { params: { path: { id } } }));
    print(`${job.id}  ${job.status}  re-queued ${before.error_items} failed item(s)`);
  });

program
  .command('reprocess')
  .description('Read one finished item again, optionally with other languages or pages')
  .argument('<id>', 'the job')
  .argument('<item>', 'the item')
  .option('--languages <langs>', 'tesseract languages, e.g. eng or por+eng')
  .option('--pages <range>', 'pages of a PDF or TIFF, e.g. 1-3,7')
  .action(async (id: string, item: string, opts: { languages?: string; pages?: string }) => {
    const job = ok(
      await client().POST('/api/jobs/{id}/items/{item_id}/reprocess', {
        params: { path: { id, item_id: item } },
        body: {
          ...(opts.languages ? { languages: opts.languages } : {}),
          ...(opts.pages ? { pages: opts.pages } : {}),
        },
      }),
    );
    print(`${job.id}  ${job.status}  re-queued item ${item}`);
  });

program
  .command('rename')
  .description('Rename a job')
  .argument('<id>')
  .argument('<name>')
  .action(async (id: string, name: string) => {
    const job = ok(await client().PATCH('/api/jobs/{id}', { params: { path: { id } }, body: { name } }));
    print(`${job.id}  ${job.name}`);
  });

program
  .command('delete')
  .description('Delete a job, its files and its text')
  .argument('<id>')
  .action(async (id: string) => {
    const { response, error } = await client().DELETE('/api/jobs/{id}', { params: { path: { id } } });
    if (!response.ok) ok({ error, response });
    print(`deleted ${id}`);
  });

program
  .command('events')
  .description("A job's audit trail, oldest first")
  .argument('<id>')
  .option('--json', 'as JSON lines')
  .action(async (id: string, opts) => {
    const api = client();
    let cursor: string | undefined;
    do {
      const page = ok(
        await api.GET('/api/jobs/{id}/events', {
          params: { path: { id }, query: { limit: 100, ...(cursor ? { cursor } : {}) } },
        }),
      );
      for (const e of page.data)
        print(
          opts.json
            ? JSON.stringify(e)
            : `${e.at}  ${e.action.padEnd(24)} ${e.actor}${e.item_id ? `  item ${e.item_id}` : ''}`,
        );
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  });

program
  .command('wait')
  .description('Wait until a job is finished (progress on stderr); exit 1 if any item failed')
  .argument('<id>')
  .option('--out <dir>', 'write one .txt per item into this folder')
  .action(async (id: string, opts) => {
    const progress = createProgress();
    try {
      const jobs = await waitForJobs(client(), [id], progress);
      progress.stop();
      if (opts.out) for (const file of writeTexts(opts.out, jobs)) print(`wrote ${file}`);
      process.exitCode = report(jobs);
    } finally {
      progress.stop();
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // --help and --version end here too, with their own exit code 0.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return;
  }
  console.error(`ocr-jobs: ${error instanceof CliError ? error.message : String(error)}`);
  process.exitCode = EXIT.usage;
});
