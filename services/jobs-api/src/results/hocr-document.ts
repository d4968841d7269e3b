import type { OcrResult, OcrResultPage } from '@ocr-jobs/contracts';

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );

const bbox = (b: { x0: number; y0: number; x1: number; y1: number }) =>
  `bbox ${Math.round(b.x0)} ${Math.round(b.y0)} ${Math.round(b.x1)} ${Math.round(b.y1)}`;

/** A page's hOCR from its lines and words, for a page the engine gave no hOCR for. */
function pageFromLines(page: OcrResultPage): string {
  const id = page.page;
  const lines = page.lines.map((line, l) => {
    const words = line.words.map(
      (word, w) =>
        `<span class="ocrx_word" id="word_${id}_${l + 1}_${w + 1}" title="${bbox(word.bbox)}; x_wconf ${Math.round(word.confidence)}">${escapeXml(word.text)}</span>`,
    );
    return `<span class="ocr_line" id="line_${id}_${l + 1}" title="${bbox(line.bbox)}">${words.join(' ')}</span>`;
  });
  return `<div class="ocr_page" id="page_${id}" title="bbox 0 0 ${page.width} ${page.height}; ppageno ${id - 1}">\n${lines.join('\n')}\n</div>`;
}

/** An XHTML hOCR document of an item's result: each page's `ocr_page` div in order. */
export function hocrDocument(result: OcrResult, title: string): string {
  const pages = result.pages.map((page) => page.hocr ?? pageFromLines(page));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">',
    '<head>',
    `<title>${escapeXml(title)}</title>`,
    '<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>',
    `<meta name="ocr-system" content="${escapeXml(result.engine)}"/>`,
    '<meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_par ocr_line ocrx_word"/>',
    '</head>',
    '<body>',
    ...pages,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
