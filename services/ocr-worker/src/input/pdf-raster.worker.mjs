// Reads a PDF's pages in a worker thread: pdf.js is ESM-only and CPU-heavy, so it runs here, off
// the event loop (SQS heartbeats keep going), and the item timeout can terminate it. A page with a
// text layer (born digital) is sent as its text lines; only a page without one is rasterised for OCR.
import { parentPort, workerData } from 'node:worker_threads';

// `pages`: the selected spans ([[from, to], …], 1-based, sorted; parsed by @ocr-jobs/contracts) or null.
const { data, maxPages, maxPixels, dpi, pages, standardFontDataUrl } = workerData;

/** The selected pages that exist, in order; the same rule as rasterise.ts's pagesToRead. */
function pagesToRead(count) {
  const numbers = [];
  for (let n = 1; n <= count; n++)
    if (!pages || pages.some(([from, to]) => n >= from && n <= to)) numbers.push(n);
  return numbers;
}

function rangeText() {
  return pages.map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`)).join(',');
}

/**
 * The page's text layer as lines of words with boxes in viewport pixels, or undefined when the page
 * carries no text (a scan). pdf.js ends a line with `hasEOL`; words are split at spaces and boxed in
 * proportion to their characters (pdf.js gives boxes per text run, not per glyph).
 */
async function textLines(page, viewport) {
  const content = await page.getTextContent();
  const lines = [];
  let words = [];
  const endLine = () => {
    if (words.length === 0) return;
    const bbox = {
      x0: Math.min(...words.map((w) => w.bbox.x0)),
      y0: Math.min(...words.map((w) => w.bbox.y0)),
      x1: Math.max(...words.map((w) => w.bbox.x1)),
      y1: Math.max(...words.map((w) => w.bbox.y1)),
    };
    lines.push({ text: words.map((w) => w.text).join(' '), confidence: 100, bbox, words });
    words = [];
  };
  for (const item of content.items) {
    if (typeof item.str !== 'string') continue;
    if (item.str.trim()) {
      const [x, y] = [item.transform[4], item.transform[5]];
      const height = item.height || Math.hypot(item.transform[2], item.transform[3]);
      const [ax, ay] = viewport.convertToViewportPoint(x, y);
      const [bx, by] = viewport.convertToViewportPoint(x + item.width, y + height);
      const run = {
        x0: Math.min(ax, bx),
        y0: Math.min(ay, by),
        x1: Math.max(ax, bx),
        y1: Math.max(ay, by),
      };
      const perChar = (run.x1 - run.x0) / Math.max(item.str.length, 1);
      let at = 0;
      for (const part of item.str.split(/(\s+)/)) {
        if (part.trim()) {
          const x0 = Math.round(run.x0 + at * perChar);
          const bbox = {
            x0,
            y0: Math.round(run.y0),
            x1: Math.round(x0 + part.length * perChar),
            y1: Math.round(run.y1),
          };
          words.push({ text: part, confidence: 100, bbox });
        }
        at += part.length;
      }
    }
    if (item.hasEOL) endLine();
  }
  endLine();
  return lines.length ? lines : undefined;
}

function fail(code, message) {
  parentPort.postMessage({ type: 'error', code, message });
}

try {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const { createCanvas } = await import('@napi-rs/canvas');
  let pdf;
  try {
    pdf = await pdfjs.getDocument({
      data,
      standardFontDataUrl,
      // Embedded images larger than the page limit are not decoded (PDF decompression bombs).
      maxImageSize: maxPixels,
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      verbosity: 0,
    }).promise;
  } catch (error) {
    if (error?.name === 'PasswordException')
      fail('UNSUPPORTED_FILE', 'unsupported PDF: it is password-protected');
    else fail('CORRUPT_FILE', `corrupt PDF: ${error?.message ?? error}`);
    process.exit(0);
  }
  const selected = pagesToRead(pdf.numPages);
  if (pages && selected.length === 0) {
    fail('NO_SELECTED_PAGES', `pages "${rangeText()}" selects none of the PDF's ${pdf.numPages} pages`);
    process.exit(0);
  }
  if (selected.length > maxPages) {
    fail(
      'TOO_MANY_PAGES',
      pages
        ? `pages "${rangeText()}" selects ${selected.length} pages; at most ${maxPages} are allowed`
        : `PDF has ${pdf.numPages} pages; at most ${maxPages} are allowed`,
    );
    process.exit(0);
  }
  parentPort.postMessage({ type: 'info', pages: pdf.numPages });
  for (const n of selected) {
    const page = await pdf.getPage(n);
    const viewport = page.getViewport({ scale: dpi / 72 });
    const width = Math.ceil(viewport.width);
    const height = Math.ceil(viewport.height);
    if (width * height > maxPixels) {
      fail(
        'TOO_MANY_PIXELS',
        `PDF page ${n} is ${width}×${height} pixels at ${dpi} dpi; at most ${maxPixels} pixels are allowed`,
      );
      process.exit(0);
    }
    const lines = await textLines(page, viewport);
    if (lines) {
      page.cleanup();
      parentPort.postMessage({ type: 'text', page: n, width, height, lines });
      continue;
    }
    const canvas = createCanvas(width, height);
    const context = canvas.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
    await page.render({ canvasContext: context, viewport, canvas }).promise;
    // Raw pixels, not a PNG: the parent turns them grey for tesseract, and encoding was wasted work.
    const { data: rgba } = context.getImageData(0, 0, width, height);
    page.cleanup();
    parentPort.postMessage({ type: 'page', page: n, width, height, rgba }, [rgba.buffer]);
  }
  parentPort.postMessage({ type: 'done' });
} catch (error) {
  fail('CORRUPT_FILE', `corrupt PDF: ${error?.message ?? error}`);
}
