import { escapeXml, hocrFromLines, numberPageHocr, type OcrResult } from '@ocr-jobs/contracts';

/**
 * An XHTML hOCR document of an item's result: each page's `ocr_page` div in order. Every page is
 * numbered again for its place (ids unique in the document, `ppageno`, `scan_res` from its dpi, the
 * file's name as `image`): results stored before the worker did so repeat tesseract's `page_1` ids, and
 * numbering a page twice changes nothing. A page without hOCR is built from its lines and words.
 */
export function hocrDocument(result: OcrResult, filename: string): string {
  const pages = result.pages.map((page) => numberPageHocr(page.hocr ?? hocrFromLines(page), page, filename));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">',
    '<head>',
    `<title>${escapeXml(filename)}</title>`,
    '<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>',
    `<meta name="ocr-system" content="${escapeXml(result.engine)}"/>`,
    '<meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_par ocr_line ocrx_word"/>',
    `<meta name="ocr-number-of-pages" content="${result.pages.length}"/>`,
    '</head>',
    '<body>',
    ...pages,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
