// Counts a PDF's pages with pdf.js in a worker thread: pdf.js is ESM-only (this service is CommonJS),
// and a thread keeps the parse off the event loop and bounded in memory. pdf.js reads only the
// cross-reference table and the page tree's /Count, not the pages.
import { parentPort, workerData } from 'node:worker_threads';

try {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const pdf = await pdfjs.getDocument({
    data: workerData.data,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: 0,
  }).promise;
  parentPort.postMessage({ pages: pdf.numPages });
  await pdf.destroy();
} catch (error) {
  parentPort.postMessage({ error: `${error?.name ?? 'Error'}: ${error?.message ?? error}` });
}
