import fs from 'node:fs';
import path from 'node:path';
import { CliError } from './api';

/** What the API reads (it decides by content; the extension only picks what to send). */
const READABLE = /\.(png|jpe?g|tiff?|webp|bmp|gif|pdf)$/i;

/** The files named, and the readable files inside the folders named (recursively, sorted, hidden ones skipped). */
export function collectFiles(paths: string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && READABLE.test(entry.name)) found.push(full);
    }
  };
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      throw new CliError(`no such file or folder: ${p}`);
    }
    if (stat.isDirectory()) walk(p);
    else found.push(p);
  }
  if (found.length === 0) throw new CliError(`no images or PDFs in ${paths.join(', ')}`);
  return found;
}

/** Runs `work` over `items` with at most `limit` running at once; results in input order. */
export async function mapBounded<T, R>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(runners);
  return results;
}

/** A name for an item's text file in `dir` that no earlier item took. */
export function textPath(dir: string, filename: string, taken: Set<string>): string {
  const base = path.basename(filename).replace(/\.[^.]+$/, '') || 'item';
  let name = `${base}.txt`;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}.txt`;
  taken.add(name);
  return path.join(dir, name);
}
