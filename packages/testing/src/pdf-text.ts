import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/*
 * Reading PDFs and zips the way a user's tools do: poppler's pdftotext and Info-ZIP's unzip (Debian's
 * poppler-utils and unzip, which .ci/run installs when missing).
 */

/** A word as poppler's pdftotext -bbox sees it: in points on the page as displayed (y down). */
export interface PdfWord {
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export interface PdfPageText {
  width: number;
  height: number;
  words: PdfWord[];
}

async function withFile<T>(pdf: Uint8Array, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pdf-text-'));
  const file = path.join(dir, 'doc.pdf');
  try {
    await fs.writeFile(file, pdf);
    return await use(file);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** poppler's pdftotext of the whole document (pages end with a form feed). */
export function pdfText(pdf: Uint8Array): Promise<string> {
  return withFile(pdf, async (file) => (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout);
}

/** Every page's size and words with their boxes, from pdftotext -bbox. */
export function pdfWords(pdf: Uint8Array): Promise<PdfPageText[]> {
  return withFile(pdf, async (file) => {
    const { stdout } = await run('pdftotext', ['-bbox', '-enc', 'UTF-8', file, '-']);
    const decode = (s: string) =>
      s.replace(
        /&(lt|gt|amp|quot|apos);/g,
        (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]!,
      );
    return [...stdout.matchAll(/<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/g)].map(
      (page) => ({
        width: Number(page[1]),
        height: Number(page[2]),
        words: [
          ...page[3]!.matchAll(
            /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g,
          ),
        ].map((w) => ({
          text: decode(w[5]!),
          xMin: Number(w[1]),
          yMin: Number(w[2]),
          xMax: Number(w[3]),
          yMax: Number(w[4]),
        })),
      }),
    );
  });
}

/** Page `page` (1-based) rendered by poppler's pdftoppm at `dpi`, as a greyscale PNG. */
export function renderPdfPage(pdf: Uint8Array, page: number, dpi: number): Promise<Buffer> {
  return withFile(pdf, async (file) => {
    const out = file.replace(/\.pdf$/, '');
    const args = ['-f', String(page), '-l', String(page), '-r', String(dpi), '-gray', '-png', '-singlefile'];
    await run('pdftoppm', [...args, file, out]);
    return fs.readFile(`${out}.png`);
  });
}

/** Words separated by single spaces: how a text layer is compared with the item's text. */
export const collapseWhitespace = (text: string) => text.replace(/\s+/g, ' ').trim();

/** A zip's files and their contents, as Info-ZIP's unzip extracts them, by path, sorted. */
export async function unzipFiles(zip: Uint8Array): Promise<Map<string, Buffer>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'unzip-'));
  try {
    await fs.writeFile(path.join(dir, 'archive.zip'), zip);
    await run('unzip', ['-q', 'archive.zip', '-d', 'out'], { cwd: dir });
    const out = path.join(dir, 'out');
    const names = (await fs.readdir(out, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(out, path.join(e.parentPath, e.name)))
      .sort();
    const files = new Map<string, Buffer>();
    for (const name of names) files.set(name, await fs.readFile(path.join(out, name)));
    return files;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
