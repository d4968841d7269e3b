import type { OcrResultPage } from './ocr-result';

type Line = OcrResultPage['lines'][number];

/** What a page's hOCR title says about it: number, size in pixels, resolution when known. */
export type PageFacts = Pick<OcrResultPage, 'page' | 'width' | 'height' | 'dpi'>;

/**
 * Ids of a page's parts, unique in the item and shared by its hOCR, its ALTO and its JSON lines and
 * words: `page_3`, `line_3_2` (second line of page 3), `word_3_2_5` (fifth word of that line).
 */
export const pageIds = {
  page: (page: number) => `page_${page}`,
  block: (page: number, block: number) => `block_${page}_${block}`,
  line: (page: number, line: number) => `line_${page}_${line}`,
  word: (page: number, line: number, word: number) => `word_${page}_${line}_${word}`,
};

export const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );

/** A page's lines and words with their ids (by position, as in its hOCR). */
export function withIds(page: number, lines: Line[]): Line[] {
  return lines.map(({ text, confidence, bbox, words }, l) => ({
    id: pageIds.line(page, l + 1),
    text,
    confidence,
    bbox,
    words: words.map((word, w) => ({
      id: pageIds.word(page, l + 1, w + 1),
      text: word.text,
      confidence: word.confidence,
      bbox: word.bbox,
    })),
  }));
}

/**
 * The ocr_page title: `image` (the file's name, when given), `bbox` (the page as read, so turned by
 * its rotation), `ppageno` (0-based) and `scan_res` (only when the resolution is known).
 */
function pageTitle(page: PageFacts, image?: string): string {
  return [
    // A double quote or backslash would end hOCR's quoted string early.
    ...(image === undefined ? [] : [`image "${image.replace(/["\\]/g, '_')}"`]),
    `bbox 0 0 ${page.width} ${page.height}`,
    `ppageno ${page.page - 1}`,
    ...(page.dpi === undefined ? [] : [`scan_res ${Math.round(page.dpi)} ${Math.round(page.dpi)}`]),
  ].join('; ');
}

/** Sets (or adds) an attribute of an opening tag, double-quoted and escaped. */
function setAttribute(tag: string, name: string, value: string): string {
  const attribute = `${name}="${escapeXml(value)}"`;
  const existing = new RegExp(`(?<=\\s)${name}=(['"])[^]*?\\1`);
  if (existing.test(tag)) return tag.replace(existing, () => attribute);
  return tag.replace(/\s*(\/?)>$/, (_, slash: string) => ` ${attribute}${slash}>`);
}

/** Elements tesseract writes for a line of text; each opens a new line number. */
const LINE_CLASSES = ['ocr_line', 'ocr_caption', 'ocr_header', 'ocr_textfloat'];

/**
 * A page's hOCR numbered for its place in the item. tesseract reads each page on its own, so it
 * calls every page `page_1` with `ppageno 0`, numbers its parts `block_1_N`/`word_1_N` and reports a
 * guessed `scan_res` (70 dpi for a PNG without one): a multi-page document would repeat ids. The tags
 * are rewritten in place (blocks, paragraphs, baselines kept): ids follow the structure (lines and
 * words as in {@link pageIds}, other parts `{prefix}_{page}_{n}`), so numbering twice changes nothing.
 */
export function numberPageHocr(hocr: string, page: PageFacts, image?: string): string {
  const p = page.page;
  const counters = new Map<string, number>();
  let line = 0;
  let word = 0;
  return hocr.replace(/<[a-zA-Z][^>]*>/g, (tag) => {
    const classes = /(?<=\s)class=(['"])([^'"]*)\1/.exec(tag)?.[2]?.split(/\s+/) ?? [];
    if (classes.includes('ocr_page'))
      return setAttribute(setAttribute(tag, 'id', pageIds.page(p)), 'title', pageTitle(page, image));
    const id = /(?<=\s)id=(['"])([^'"]*)\1/.exec(tag)?.[2];
    if (id === undefined) return tag;
    if (classes.includes('ocrx_word')) return setAttribute(tag, 'id', pageIds.word(p, line, ++word));
    if (classes.some((c) => LINE_CLASSES.includes(c))) {
      word = 0;
      return setAttribute(tag, 'id', pageIds.line(p, ++line));
    }
    const prefix = /^[A-Za-z]+/.exec(id)?.[0] ?? 'part';
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return setAttribute(tag, 'id', `${prefix}_${p}_${n}`);
  });
}

const bbox = (b: Line['bbox']) =>
  `bbox ${Math.round(b.x0)} ${Math.round(b.y0)} ${Math.round(b.x1)} ${Math.round(b.y1)}`;

/** A page's hOCR built from its lines and words (a PDF text layer, or a result stored without hOCR). */
export function hocrFromLines(page: PageFacts & Pick<OcrResultPage, 'lines'>, image?: string): string {
  const p = page.page;
  const lines = page.lines.map((line, l) => {
    const words = line.words.map(
      (word, w) =>
        `<span class="ocrx_word" id="${pageIds.word(p, l + 1, w + 1)}" title="${bbox(word.bbox)}; x_wconf ${Math.round(word.confidence)}">${escapeXml(word.text)}</span>`,
    );
    return `<span class="ocr_line" id="${pageIds.line(p, l + 1)}" title="${bbox(line.bbox)}">${words.join(' ')}</span>`;
  });
  return [
    `<div class="ocr_page" id="${pageIds.page(p)}" title="${escapeXml(pageTitle(page, image))}">`,
    ...lines,
    '</div>',
  ].join('\n');
}
