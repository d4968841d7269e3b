import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { collapseWhitespace, pdfText, pdfWords, renderText, unzipFiles } from '@ocr-jobs/testing';
import { startLocalStack, type RunningStack } from '@ocr-jobs/local-stack';
import { eventually } from './local-stack-process';

const FIRST = 'Invoice 4711 paid in full';
const SECOND = 'Delivery note for the warehouse';

/** One page of each scan, 420 × 200 pt, showing only the image: a PDF without a text layer. */
async function scannedPdf(scans: Buffer[]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  for (const scan of scans) {
    const image = await doc.embedPng(scan);
    const { width, height } = image.scaleToFit(400, 180);
    doc.addPage([420, 200]).drawImage(image, { x: 10, y: 200 - 10 - height, width, height });
  }
  return Buffer.from(await doc.save());
}

/** Frames of one size on white sheets, as one multi-page TIFF. */
async function multiPageTiff(pages: Buffer[]): Promise<Buffer> {
  const sheets = await Promise.all(
    pages.map((page) =>
      sharp({ create: { width: 900, height: 200, channels: 3, background: '#ffffff' } })
        .composite([{ input: page, left: 0, top: 0 }])
        .png()
        .toBuffer(),
    ),
  );
  return sharp(sheets, { join: { animated: true } })
    .tiff()
    .toBuffer();
}

describe('searchable PDFs and job downloads of what real tesseract.js read (npm start)', () => {
  let stack: RunningStack;
  beforeAll(async () => {
    stack = await startLocalStack();
  });
  afterAll(async () => {
    expect(await stack.stop()).toBe(0);
  });

  const api = (route: string) => fetch(`${stack.apiUrl}${route}`, { headers: { 'x-api-key': stack.apiKey } });
  const bytes = async (route: string) => {
    const res = await api(route);
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  it("gives each item's text back from its PDF's text layer, and the job's txt, pdf and zip", async () => {
    // Prepare: an image, a scanned PDF of two pages, a two-frame TIFF, and a scan lying on its side.
    const [first, second] = await Promise.all([renderText(FIRST), renderText(SECOND)]);
    const files: Array<[string, Buffer, string]> = [
      ['invoice.png', first, 'image/png'],
      ['scan.pdf', await scannedPdf([first, second]), 'application/pdf'],
      ['pages.tiff', await multiPageTiff([first, second]), 'image/tiff'],
      ['sideways.png', await sharp(second).rotate(90).png().toBuffer(), 'image/png'],
    ];
    const form = new FormData();
    form.append('name', 'searchable');
    for (const [name, file, type] of files) form.append('images', new Blob([file], { type }), name);

    // Act
    const created = await fetch(`${stack.apiUrl}/api/jobs`, {
      method: 'POST',
      body: form,
      headers: { 'x-api-key': stack.apiKey },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const job = await eventually(
      async () => {
        const detail = (await (await api(`/api/jobs/${id}`)).json()) as {
          status: string;
          items: Array<{ id: string; filename: string; status: string; ocr_text: string }>;
        };
        return detail.status === 'DONE' || detail.status === 'ERROR' ? detail : undefined;
      },
      240_000,
      1_000,
    );

    // Assess: every item read, and its PDF's text layer is its text, page for page.
    expect(job.items.map((i) => [i.filename, i.status])).toEqual(files.map(([name]) => [name, 'DONE']));
    const pageCounts = [1, 2, 2, 1];
    for (const [index, item] of job.items.entries()) {
      const pdf = await bytes(`/api/jobs/${id}/items/${item.id}?format=pdf`);
      expect(collapseWhitespace(await pdfText(pdf))).toBe(collapseWhitespace(item.ocr_text));
      expect(await pdfWords(pdf)).toHaveLength(pageCounts[index]!);
    }
    expect(collapseWhitespace(job.items[0]!.ocr_text)).toBe(FIRST);
    expect(collapseWhitespace(job.items[3]!.ocr_text)).toBe(SECOND);
    const sideways = (await (await api(`/api/jobs/${id}/items/${job.items[3]!.id}?format=json`)).json()) as {
      pages: Array<{ rotation: number }>;
    };
    expect(sideways.pages[0]!.rotation).toBe(270);

    // The job's downloads hold every item, in order.
    const all = collapseWhitespace(job.items.map((i) => i.ocr_text).join(' '));
    expect(collapseWhitespace(await pdfText(await bytes(`/api/jobs/${id}/result?format=pdf`)))).toBe(all);
    const txt = (await bytes(`/api/jobs/${id}/result?format=txt`)).toString('utf8');
    expect(txt).toContain('==> 4/4 sideways.png [DONE] <==');
    const zip = await unzipFiles(await bytes(`/api/jobs/${id}/result?format=zip`));
    expect([...zip.keys()].filter((name) => name.endsWith('searchable.pdf'))).toEqual([
      '001-invoice.png/searchable.pdf',
      '002-scan.pdf/searchable.pdf',
      '003-pages.tiff/searchable.pdf',
      '004-sideways.png/searchable.pdf',
    ]);
    expect(zip.get('003-pages.tiff/original.tiff')!.equals(files[2]![1])).toBe(true);
  });
});
