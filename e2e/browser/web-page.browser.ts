import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startLocalStack, type RunningStack } from '@ocr-jobs/local-stack';
import { repoRoot } from '../test/local-stack-process';
import { collapseWhitespace, pdfText, renderText, unzipFiles } from '@ocr-jobs/testing';

const SENTENCE = 'Invoice 4711 paid in full';
const ARTIFACTS = path.join(repoRoot, 'e2e/artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the web page, as a person uses it (chromium, npm start as real processes)', () => {
  let stack: RunningStack;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    stack = await startLocalStack();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // A CSP violation or a script error on the page fails the test at the end.
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 40[14]/.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    expect(await stack.stop()).toBe(0);
  });

  it('is served at / with a Content-Security-Policy that allows only itself and the bucket', async () => {
    const res = await page.goto(stack.apiUrl);
    expect(res?.status()).toBe(200);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    await expect(page.title()).resolves.toContain('ocr-jobs');
  });

  it('says so when the API key is wrong', async () => {
    await page.getByLabel('API key').fill('ocrj_wrong');
    await page.getByLabel('API key').press('Enter');
    await page.getByLabel('API key').blur();
    await page.getByRole('alert').getByText('The API key was not accepted').waitFor();
  });

  it('uploads a scan, skips a text file, shows the recognised text with its confidence', async () => {
    // Prepare
    await page.getByLabel('API key').fill(stack.apiKey);
    await page.getByLabel('API key').blur();
    await page.getByRole('alert').waitFor({ state: 'hidden' });
    await page.getByLabel('Files').setInputFiles([
      { name: 'invoice.png', mimeType: 'image/png', buffer: await renderText(SENTENCE) },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a scan') },
    ]);
    await page.getByText('notes.txt is not an image or a PDF').waitFor();
    await page.getByLabel('Job name').fill('march invoices');
    // The languages come from GET /api/languages, the server's default (eng) selected.
    const languages = page.getByLabel('Languages');
    await languages.locator('option[value="por"]').waitFor({ state: 'attached' });
    expect(await languages.locator('option:checked').allInnerTexts()).toEqual(['English (eng)']);
    expect(await languages.locator('option').allInnerTexts()).toContain('Portuguese (por)');

    // Act
    await page.getByRole('button', { name: 'Start OCR' }).click();

    // Assess: the job opens and the text appears once the worker has read it.
    // The form's message once the upload is answered: the job, or why it was refused.
    const formStatus = page.locator('#form-status');
    await formStatus.filter({ hasNotText: /^(Uploading…|1 file\(s\) ready\.)$/ }).waitFor();
    expect(await formStatus.innerText()).toBe('Job "march invoices" started with 1 file(s).');
    const text = page.getByLabel('Text of invoice.png');
    await text.waitFor({ timeout: 180_000 });
    expect((await text.innerText()).replace(/\s+/g, ' ')).toContain(SENTENCE);
    await expect(page.getByText(/Confidence \d+%/).innerText()).resolves.toMatch(/Confidence ([5-9]\d|100)%/);
    await page.getByRole('button', { name: /Open job march invoices, DONE/ }).waitFor();

    // The item's text downloads as a .txt named after the file.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download .txt' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('invoice.txt');
    expect(fs.readFileSync((await download.path()) as string, 'utf8')).toContain('Invoice 4711');

    // The item's searchable PDF and the whole job's zip come from the API, named by it.
    const [pdf] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download PDF' }).click(),
    ]);
    expect(pdf.suggestedFilename()).toBe('invoice.pdf');
    expect(collapseWhitespace(await pdfText(fs.readFileSync((await pdf.path()) as string)))).toContain(
      SENTENCE,
    );
    const [zip] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Everything (.zip)' }).click(),
    ]);
    expect(zip.suggestedFilename()).toBe('march_invoices.zip');
    const files = await unzipFiles(fs.readFileSync((await zip.path()) as string));
    expect(files.get('001-invoice.png/text.txt')?.toString()).toContain('Invoice 4711');
    // Read again (reprocess): the item goes back to the queue and its text comes back.
    await page.getByRole('button', { name: 'Read invoice.png again' }).click();
    await page.getByText('Reading invoice.png again.').waitFor();
    await text.waitFor({ timeout: 180_000 });
    expect((await text.innerText()).replace(/\s+/g, ' ')).toContain(SENTENCE);
    await page.getByRole('button', { name: /Open job march invoices, DONE/ }).waitFor();
    await expect(page.getByRole('button', { name: 'Retry failed items' }).isHidden()).resolves.toBe(true);

    await page.screenshot({ path: path.join(ARTIFACTS, 'web-page.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-page-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('keeps the key in the browser, renames and deletes (after confirming) the job', async () => {
    await page.reload();
    await expect(page.getByLabel('API key').inputValue()).resolves.toBe(stack.apiKey);
    await page.getByRole('button', { name: /Open job march invoices/ }).click();

    await page.getByLabel('New name').fill('paid invoices');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { name: 'paid invoices' }).waitFor();
    await page.getByRole('button', { name: /Open job paid invoices/ }).waitFor();

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete job' }).click();
    await page.getByText('Deleted the job "paid invoices".').waitFor();
    await page.getByRole('button', { name: /Open job paid invoices/ }).waitFor({ state: 'detached' });
    const jobs = (await (
      await fetch(`${stack.apiUrl}/api/jobs`, { headers: { 'x-api-key': stack.apiKey } })
    ).json()) as {
      data: unknown[];
    };
    expect(jobs.data).toEqual([]);
    expect(problems).toEqual([]);
  });
});
