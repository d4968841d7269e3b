import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { startLocalStack, type RunningStack } from '@ocr-jobs/local-stack';
import { repoRoot } from './local-stack-process';
import { renderText } from '@ocr-jobs/testing';

const CLI = path.join(repoRoot, 'packages/cli/dist/main.js');
const SENTENCES = ['Invoice 4711 paid in full', 'Receipt 815 for coffee', 'Order 42 shipped today'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the ocr-jobs CLI against npm start (real processes, real tesseract.js)', () => {
  let stack: RunningStack;
  let folder: string;
  const run = (args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        {
          cwd: folder,
          timeout: 180_000,
          env: { PATH: process.env.PATH, OCR_API_URL: stack.apiUrl, OCR_API_KEY: stack.apiKey, ...env },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? -1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    stack = await startLocalStack();
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-jobs-cli-'));
    fs.mkdirSync(path.join(folder, 'scans/more'), { recursive: true });
    for (const [i, sentence] of SENTENCES.entries())
      fs.writeFileSync(
        path.join(folder, i === 2 ? 'scans/more' : 'scans', `page-${i + 1}.png`),
        await renderText(sentence),
      );
    // Accepted by its header, unreadable by the worker: the item fails.
    const blank = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    fs.writeFileSync(path.join(folder, 'scans/broken.png'), blank.subarray(0, 80));
    fs.writeFileSync(path.join(folder, 'scans/notes.txt'), 'not a scan, skipped');
  });
  afterAll(async () => {
    expect(await stack.stop()).toBe(0);
  });

  it('submits a folder in batches, shows progress, writes one .txt per item, exits 1 for the failed one', async () => {
    // Act
    const result = await run(['submit', 'scans', '--name', 'scans', '--batch-size', '2', '--out', 'texts']);

    // Assess: two jobs (4 files, 2 per batch); progress as plain lines since stderr is not a TTY.
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Upload: 4/4 files');
    expect(result.stderr).toContain('OCR: 4/4 items (1 failed)');
    expect(result.stderr).toMatch(/failed: broken\.png: /);
    for (const [i, sentence] of SENTENCES.entries()) {
      const text = fs.readFileSync(path.join(folder, 'texts', `page-${i + 1}.txt`), 'utf8');
      expect(text.replace(/\s+/g, ' ')).toContain(sentence);
    }
    expect(fs.readdirSync(path.join(folder, 'texts')).sort()).toEqual([
      'page-1.txt',
      'page-2.txt',
      'page-3.txt',
    ]);
    expect(result.stdout).toMatch(/ scans \(1\/2\)\n/);
    expect(result.stdout).toMatch(/ scans \(2\/2\)\n/);
  });

  it('resumes safely: the same submit again creates no new jobs (Idempotency-Key)', async () => {
    const again = await run(['submit', 'scans', '--name', 'scans', '--batch-size', '2']);

    expect(again.code).toBe(0);
    expect(again.stdout.match(/\(already submitted\)/g)).toHaveLength(2);
    const list = await run(['list']);
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('lists the jobs with failed items, retries one and reprocesses an item', async () => {
    const withErrors = (await run(['list', '--has-errors'])).stdout.trim().split('\n');
    expect(withErrors).toHaveLength(1);
    expect((await run(['list', '--no-errors'])).stdout.trim().split('\n')).toHaveLength(1);
    const id = (withErrors[0] as string).split(/\s+/)[0] as string;
    // A DONE job can have failed items: DONE means at least one was read.
    expect(withErrors[0]).toMatch(/ DONE /);

    const retried = await run(['retry', id]);
    expect([retried.code, retried.stdout]).toEqual([
      0,
      expect.stringContaining('re-queued 1 failed item(s)'),
    ]);
    // The file is still broken: read again, failed again.
    const waited = await run(['wait', id]);
    expect(waited.code).toBe(1);
    expect(waited.stdout).toMatch(/DONE +1\/2 read, 1 failed/);

    const job = JSON.parse((await run(['get', id, '--json'])).stdout) as {
      items: Array<{ id: string; status: string }>;
    };
    const good = job.items.find((i) => i.status === 'DONE')!;
    const reprocessed = await run(['reprocess', id, good.id, '--languages', 'eng']);
    expect([reprocessed.code, reprocessed.stdout]).toEqual([
      0,
      expect.stringContaining(`re-queued item ${good.id}`),
    ]);
    expect((await run(['wait', id])).code).toBe(1);
    const events = (await run(['events', id])).stdout;
    expect(events).toContain('job.retried');
    expect(events).toContain('item.reprocess_requested');
    const again = await run([
      'reprocess',
      id,
      job.items.find((i) => i.status === 'ERROR')!.id,
      '--pages',
      '0',
    ]);
    expect([again.code, again.stderr]).toEqual([2, expect.stringContaining('INVALID_PAGE_RANGE')]);
  });

  it('lists, gets (text and JSON), renames, waits for, shows the events of and deletes a job', async () => {
    const [first] = (await run(['list'])).stdout.trim().split('\n');
    const id = (first as string).split(/\s+/)[0] as string;

    const json = JSON.parse((await run(['get', id, '--json'])).stdout) as { id: string; items: unknown[] };
    expect(json.id).toBe(id);
    expect(json.items.length).toBeGreaterThan(0);
    expect((await run(['get', id])).stdout).toMatch(/confidence \d+%/);

    expect((await run(['rename', id, 'renamed scans'])).stdout).toContain('renamed scans');
    expect((await run(['list'])).stdout).toContain('renamed scans');

    const waited = await run(['wait', id]);
    expect([0, 1]).toContain(waited.code);
    expect(waited.stdout).toContain(id);

    const events = await run(['events', id]);
    expect(events.code).toBe(0);
    expect(events.stdout).toContain('job.created');

    expect((await run(['delete', id])).code).toBe(0);
    const gone = await run(['get', id]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('JOB_NOT_FOUND');
  });

  it('lists the languages the workers read, with their models and the default', async () => {
    const result = await run(['languages']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^por +Portuguese +best$/m);
    expect(result.stdout).toMatch(/^eng +English +best$/m);
    expect(result.stdout).toContain('default: eng');
  });

  it('exits 2 with a clear message for usage and connection errors', async () => {
    const noKey = await run(['list'], { OCR_API_KEY: '' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('no API key');

    const badKey = await run(['list'], { OCR_API_KEY: 'ocrj_wrong' });
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('INVALID_API_KEY');

    const down = await run(['list', '--url', 'http://127.0.0.1:1']);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('cannot reach http://127.0.0.1:1');

    // --languages is checked against GET /api/languages before any file is sent.
    const unknownLanguage = await run(['submit', 'scans/more', '--languages', 'por+xyz']);
    expect(unknownLanguage.code).toBe(2);
    expect(unknownLanguage.stderr).toMatch(/--languages: no OCR model for xyz; available: .*eng.*por/);

    expect((await run(['submit'])).code).toBe(2);
    expect((await run(['submit', 'no-such-folder'])).stderr).toContain(
      'no such file or folder: no-such-folder',
    );
  });
});
