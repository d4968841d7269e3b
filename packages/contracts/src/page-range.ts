/**
 * Which pages of a PDF or TIFF a job reads: `1-3,7` (1-based, `N` or `N-M`, comma separated, spaces
 * allowed). One parser for the API (validation) and the worker (selection); the normalised text is
 * what `job_items.page_range` stores (null there means every page).
 */

/** Inclusive spans of 1-based page numbers, sorted, neither overlapping nor touching. */
export type PageSpans = ReadonlyArray<readonly [from: number, to: number]>;

/** The longest range text accepted (the column holds 256). */
export const PAGE_RANGE_MAX_LENGTH = 200;
/** No document has more pages than this; a bigger number is a typo. */
export const PAGE_NUMBER_MAX = 100_000;

export class PageRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PageRangeError';
  }
}

const PART = /^(\d+)(?:\s*-\s*(\d+))?$/;

/** Parses `1-3, 7` into spans; throws {@link PageRangeError} with a message saying what is wrong. */
export function parsePageRange(text: string): PageSpans {
  if (text.length > PAGE_RANGE_MAX_LENGTH)
    throw new PageRangeError(`pages is longer than ${PAGE_RANGE_MAX_LENGTH} characters`);
  if (text.trim() === '') throw new PageRangeError('pages is empty: give pages like "1-3,7"');
  const spans: Array<[number, number]> = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    const match = PART.exec(part);
    if (!match) throw new PageRangeError(`pages: "${part}" is not a page or a range like "2" or "1-3"`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from < 1 || to < 1) throw new PageRangeError(`pages: "${part}": pages count from 1`);
    if (from > PAGE_NUMBER_MAX || to > PAGE_NUMBER_MAX)
      throw new PageRangeError(`pages: "${part}": page numbers go up to ${PAGE_NUMBER_MAX}`);
    if (from > to) throw new PageRangeError(`pages: "${part}" runs backwards; write "${to}-${from}"`);
    spans.push([from, to]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [from, to] of spans) {
    const last = merged.at(-1);
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** The normalised text of spans: sorted, merged, no spaces (`1-3,7`). */
export function formatPageRange(spans: PageSpans): string {
  return spans.map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`)).join(',');
}

/** Parses and gives back the normalised text: `" 7, 1-2,3 "` → `"1-3,7"`. */
export function normalisePageRange(text: string): string {
  return formatPageRange(parsePageRange(text));
}

export function includesPage(spans: PageSpans, page: number): boolean {
  return spans.some(([from, to]) => page >= from && page <= to);
}

/** The selected pages of a document of `pageCount` pages, in order (those beyond the end are left out). */
export function selectedPages(spans: PageSpans | null, pageCount: number): number[] {
  const pages: number[] = [];
  for (let page = 1; page <= pageCount; page++) if (!spans || includesPage(spans, page)) pages.push(page);
  return pages;
}
