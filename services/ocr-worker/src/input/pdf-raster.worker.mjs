// Rasterises a PDF's pages in a worker thread: pdf.js is ESM-only and CPU-heavy, so it runs here,
// off the event loop (SQS heartbeats keep going), and the item timeout can terminate it.
import { parentPort, workerData } from 'node:worker_threads';

const { data, maxPages, maxPixels, dpi, standardFontDataUrl } = workerData;

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
  if (pdf.numPages > maxPages) {
    fail('TOO_MANY_PAGES', `PDF has ${pdf.numPages} pages; at most ${maxPages} are allowed`);
    process.exit(0);
  }
  parentPort.postMessage({ type: 'info', pages: pdf.numPages });
  for (let n = 1; n <= pdf.numPages; n++) {
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
    const canvas = createCanvas(width, height);
    const context = canvas.getContext('2d');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, width, height);
    await page.render({ canvasContext: context, viewport, canvas }).promise;
    const png = await canvas.encode('png');
    page.cleanup();
    parentPort.postMessage({ type: 'page', page: n, width, height, png }, [png.buffer]);
  }
  parentPort.postMessage({ type: 'done' });
} catch (error) {
  fail('CORRUPT_FILE', `corrupt PDF: ${error?.message ?? error}`);
}
