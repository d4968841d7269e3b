import { describe, expect, it } from '@jest/globals';
import type { OcrResult, OcrResultPage } from '@ocr-jobs/contracts';
import { degrees, PDFDocument, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';
import { encodableText, searchablePdf } from '../../src/results/searchable-pdf';
import {
  collapseWhitespace,
  imageMagick,
  pdfText,
  pdfWords,
  renderPdfPage,
  renderText,
  type PdfWord,
} from '@ocr-jobs/testing';

type Box = { x0: number; y0: number; x1: number; y1: number };

/** A page of one line: each word at its box (pixels of the image as read). */
function page(
  number: number,
  size: { width: number; height: number },
  line: Array<[string, Box]>,
  extra: Partial<OcrResultPage> = {},
): OcrResultPage {
  const text = line.map(([w]) => w).join(' ');
  const bbox = {
    x0: Math.min(...line.map(([, b]) => b.x0)),
    y0: Math.min(...line.map(([, b]) => b.y0)),
    x1: Math.max(...line.map(([, b]) => b.x1)),
    y1: Math.max(...line.map(([, b]) => b.y1)),
  };
  return {
    page: number,
    ...size,
    rotation: 0,
    text,
    confidence: 90,
    hocr: null,
    lines: [
      { text, confidence: 90, bbox, words: line.map(([w, b]) => ({ text: w, confidence: 90, bbox: b })) },
    ],
    ...extra,
  };
}

function result(pages: OcrResultPage[]): OcrResult {
  return {
    job_id: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
    item_id: '0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a',
    engine: 'tesseract',
    text: pages.map((p) => p.text).join('\f'),
    confidence: 90,
    pages,
    created_at: new Date().toISOString(),
  };
}

const white = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#ffffff' } });

/** Pixels to points at `dpi`. */
const pt = (px: number, dpi: number) => (px * 72) / dpi;

/** The word's box in points on the displayed page is the OCR box scaled: within a point sideways, and vertically overlapping. */
function expectOnBox(word: PdfWord | undefined, box: Box, scale: number) {
  expect(word).toBeDefined();
  expect(Math.abs(word!.xMin - box.x0 * scale)).toBeLessThan(1);
  // pdftotext's xMax includes the trailing space of a word that is followed by another.
  expect(word!.xMax).toBeGreaterThan(box.x1 * scale - 1);
  expect(word!.xMax).toBeLessThan(box.x1 * scale + 0.4 * (box.y1 - box.y0) * scale);
  const middle = ((box.y0 + box.y1) / 2) * scale;
  expect(word!.yMin).toBeLessThan(middle);
  expect(word!.yMax).toBeGreaterThan(middle);
}

const LINE: Array<[string, Box]> = [
  ['Ação', { x0: 100, y0: 100, x1: 300, y1: 160 }],
  ['de', { x0: 330, y0: 100, x1: 400, y1: 160 }],
  ['manutenção:', { x0: 430, y0: 100, x1: 800, y1: 160 }],
  ['São', { x0: 830, y0: 100, x1: 950, y1: 160 }],
  ['Paulo', { x0: 980, y0: 100, x1: 1150, y1: 160 }],
];

describe('searchablePdf', () => {
  it('puts an image on a page of its size at its dpi and the words, accents included, on their boxes', async () => {
    // Prepare
    const png = await white(1200, 400).png().toBuffer();
    const read = result([page(1, { width: 1200, height: 400 }, LINE, { dpi: 200 })]);

    // Act
    const pdf = await searchablePdf(png, read, 'scan');

    // Assess
    expect(collapseWhitespace(await pdfText(pdf))).toBe('Ação de manutenção: São Paulo');
    const [only, ...rest] = await pdfWords(pdf);
    expect(rest).toHaveLength(0);
    expect(only!.width).toBeCloseTo(pt(1200, 200), 1);
    expect(only!.height).toBeCloseTo(pt(400, 200), 1);
    for (const [text, box] of LINE)
      expectOnBox(
        only!.words.find((w) => w.text === text),
        box,
        pt(1, 200),
      );
  });

  it('uses 300 dpi, or the file’s own density, for a result without dpi', async () => {
    const png = await white(600, 300).png().toBuffer();
    const dense = await white(600, 300).withMetadata({ density: 150 }).png().toBuffer();
    const read = result([
      page(1, { width: 600, height: 300 }, [['word', { x0: 10, y0: 10, x1: 100, y1: 40 }]]),
    ]);

    const [plain] = await pdfWords(await searchablePdf(png, read, 'scan'));
    const [declared] = await pdfWords(await searchablePdf(dense, read, 'scan'));

    expect(plain!.width).toBeCloseTo(pt(600, 300), 1);
    expect(declared!.width).toBeCloseTo(pt(600, 150), 1);
  });

  it.each([90, 180, 270])(
    'shows a page read turned by %i degrees as it was read, with the words on their boxes',
    async (rotation) => {
      // Prepare: the stored image is upright-as-scanned; the worker read it turned clockwise.
      const sideways = rotation !== 180;
      const stored = await white(sideways ? 400 : 1200, sideways ? 1200 : 400)
        .jpeg()
        .toBuffer();
      const read = result([page(1, { width: 1200, height: 400 }, LINE, { dpi: 300, rotation })]);

      // Act
      const pdf = await searchablePdf(stored, read, 'scan');

      // Assess: as displayed, the page has the read image's shape and the words sit on their boxes.
      expect(collapseWhitespace(await pdfText(pdf))).toBe('Ação de manutenção: São Paulo');
      const [shown] = await pdfWords(pdf);
      // pdftotext -bbox gives the page's unturned size, and the words where they are displayed.
      const [width, height] = sideways ? [shown!.height, shown!.width] : [shown!.width, shown!.height];
      expect(width).toBeCloseTo(pt(1200, 300), 1);
      expect(height).toBeCloseTo(pt(400, 300), 1);
      for (const [text, box] of LINE)
        expectOnBox(
          shown!.words.find((w) => w.text === text),
          box,
          pt(1, 300),
        );
      const doc = await PDFDocument.load(pdf);
      expect(doc.getPage(0).getRotation().angle).toBe(rotation);
    },
  );

  it('keeps a PDF’s own pages, adds text to scanned ones and none to born-digital ones', async () => {
    // Prepare: page 1 has its own text layer, page 2 is only an image (a scan), page 3 was not read.
    const source = await PDFDocument.create();
    const helvetica = await source.embedFont(StandardFonts.Helvetica);
    source.addPage([420, 200]).drawText('Born digital', { x: 30, y: 150, size: 18, font: helvetica });
    const scan = await source.embedJpg(await white(875, 417).jpeg().toBuffer());
    source.addPage([420, 200]).drawImage(scan, { x: 0, y: 0, width: 420, height: 200 });
    source.addPage([420, 200]);
    const original = Buffer.from(await source.save());
    // Rendered at 150 dpi by the worker: 875 × 417 pixels.
    const size = { width: 875, height: 417 };
    const read = result([
      page(
        1,
        size,
        [
          ['Born', { x0: 62, y0: 60, x1: 150, y1: 100 }],
          ['digital', { x0: 160, y0: 60, x1: 260, y1: 100 }],
        ],
        {
          source: 'text-layer',
        },
      ),
      page(2, size, [
        ['Digitalizado', { x0: 50, y0: 200, x1: 400, y1: 260 }],
        ['às', { x0: 430, y0: 200, x1: 500, y1: 260 }],
      ]),
    ]);

    // Act
    const pdf = await searchablePdf(original, read, 'scan');

    // Assess
    const pages = await pdfWords(pdf);
    expect(pages).toHaveLength(2);
    expect(pages.map((p) => [p.width, p.height])).toEqual([
      [420, 200],
      [420, 200],
    ]);
    expect(pages[0]!.words.map((w) => w.text)).toEqual(['Born', 'digital']);
    expect(pages[1]!.words.map((w) => w.text)).toEqual(['Digitalizado', 'às']);
    expectOnBox(pages[1]!.words[0], { x0: 50, y0: 200, x1: 400, y1: 260 }, 420 / 875);
  });

  it('lays a turned PDF page on top of the page’s own /Rotate', async () => {
    const source = await PDFDocument.create();
    source.addPage([420, 200]).setRotation(degrees(90));
    const original = Buffer.from(await source.save());
    // Rendered as displayed (200 × 420 pt at 150 dpi), then read turned by 90 more.
    const read = result([
      page(
        1,
        { width: 875, height: 417 },
        LINE.map(([w, b]) => [w, { ...b, x0: b.x0 / 2, x1: b.x1 / 2 }]),
        { rotation: 90 },
      ),
    ]);

    const pdf = await searchablePdf(original, read, 'scan');

    const [shown] = await pdfWords(pdf);
    expect(collapseWhitespace(await pdfText(pdf))).toBe('Ação de manutenção: São Paulo');
    expect([shown!.width, shown!.height]).toEqual([420, 200]);
    expectOnBox(
      shown!.words.find((w) => w.text === 'manutenção:'),
      { x0: 215, y0: 100, x1: 400, y1: 160 },
      420 / 875,
    );
  });

  it('gives every frame of a multi-page TIFF a page', async () => {
    const frames = await Promise.all([white(600, 300).png().toBuffer(), white(600, 300).png().toBuffer()]);
    const tiff = await sharp(frames, { join: { animated: true } })
      .tiff()
      .toBuffer();
    const size = { width: 600, height: 300 };
    const read = result([
      page(1, size, [['first', { x0: 10, y0: 10, x1: 200, y1: 60 }]]),
      page(2, size, [['second', { x0: 10, y0: 10, x1: 200, y1: 60 }]]),
    ]);

    const pdf = await searchablePdf(tiff, read, 'scan');

    const pages = await pdfWords(pdf);
    expect(pages.map((p) => p.words.map((w) => w.text))).toEqual([['first'], ['second']]);
    expect(pages[1]!.width).toBeCloseTo(pt(600, 300), 1);
  });

  it('converts WebP and GIF', async () => {
    const read = result([
      page(1, { width: 300, height: 100 }, [['hello', { x0: 10, y0: 10, x1: 200, y1: 60 }]]),
    ]);
    for (const file of [await white(300, 100).webp().toBuffer(), await white(300, 100).gif().toBuffer()])
      expect(collapseWhitespace(await pdfText(await searchablePdf(file, read, 'scan')))).toBe('hello');
  });

  it('draws a BMP (decoded by @ocr-jobs/images) and puts its text on it', async () => {
    const read = result([
      page(1, { width: 300, height: 100 }, [['hello', { x0: 10, y0: 10, x1: 200, y1: 60 }]]),
    ]);
    const file = imageMagick(await white(300, 100).png().toBuffer(), 'BMP'); // ImageMagick's default: a V5 header
    const pdf = await searchablePdf(file, read, 'scan');
    expect(collapseWhitespace(await pdfText(pdf))).toBe('hello');
    expect((await PDFDocument.load(pdf)).getPageCount()).toBe(1);
  });
});

describe('the page images', () => {
  /** Mean absolute difference (0-255) of two images in grey, the second fitted to the first's size. */
  async function difference(expected: Buffer, actual: Buffer): Promise<number> {
    const a = await sharp(expected)
      .flatten({ background: '#ffffff' })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const b = await sharp(actual)
      .greyscale()
      .resize(a.info.width, a.info.height, { fit: 'fill' })
      .raw()
      .toBuffer();
    let sum = 0;
    for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b[i]!);
    return sum / a.data.length;
  }

  const upright = renderText('Searchable text, 2026', { dpi: 150 });
  const readAs = async (file: Buffer, rotation = 0) => {
    const { width, height } = await sharp(await upright).metadata();
    const line: Array<[string, Box]> = [['Searchable', { x0: 40, y0: 40, x1: 200, y1: 70 }]];
    return result([page(1, { width, height }, line, { dpi: 150, rotation })]);
  };

  it.each([
    ['a colour PNG', (s: sharp.Sharp) => s.png()],
    ['a grey PNG', (s: sharp.Sharp) => s.greyscale().png()],
    ['a JPEG', (s: sharp.Sharp) => s.jpeg({ quality: 95 })],
    ['a colour TIFF', (s: sharp.Sharp) => s.tiff()],
    [
      'a black-and-white TIFF',
      (s: sharp.Sharp) => s.threshold(128).toColourspace('b-w').tiff({ bitdepth: 1 }),
    ],
    ['a WebP', (s: sharp.Sharp) => s.webp({ lossless: true })],
    ['a GIF', (s: sharp.Sharp) => s.gif()],
  ])('draws %s as it is, at its size', async (_, write) => {
    const file = await write(sharp(await upright)).toBuffer();

    const pdf = await searchablePdf(file, await readAs(file), 'scan');

    expect(await difference(file, await renderPdfPage(pdf, 1, 150))).toBeLessThan(6);
  });

  it('keeps a black-and-white scan at 1 bit per pixel', async () => {
    const file = await sharp(await upright)
      .threshold(128)
      .toColourspace('b-w')
      .tiff({ bitdepth: 1 })
      .toBuffer();

    const pdf = Buffer.from(await searchablePdf(file, await readAs(file), 'scan'));

    expect(pdf.toString('latin1')).toContain('/BitsPerComponent 1');
  });

  it('shows a scan lying on its side turned as it was read', async () => {
    // Prepare: stored turned 90° clockwise; the worker read it turned 270° more, upright.
    const sideways = await sharp(await upright)
      .rotate(90)
      .png()
      .toBuffer();

    const pdf = await searchablePdf(sideways, await readAs(sideways, 270), 'scan');

    expect(await difference(await upright, await renderPdfPage(pdf, 1, 150))).toBeLessThan(6);
    expect(
      await difference(
        await upright,
        await sharp(await upright)
          .flop()
          .png()
          .toBuffer(),
      ),
    ).toBeGreaterThan(6);
  });
});

describe('encodableText', () => {
  const helvetica = PDFDocument.create().then(async (doc) => {
    const font = await doc.embedFont(StandardFonts.Helvetica);
    return { encodable: new Set(font.getCharacterSet()) };
  });

  it('keeps Latin-1 and cp1252, folds ligatures, strips accents WinAnsi lacks, replaces the rest', async () => {
    const font = await helvetica;
    expect(encodableText('Ação São ñ ü é ß œ € “x”', font)).toBe('Ação São ñ ü é ß œ € “x”');
    expect(encodableText('ﬁnal', font)).toBe('final');
    expect(encodableText('Dvořák Łódź', font)).toBe('Dvorák ?ódz');
    expect(encodableText('Ελλάδα', font)).toBe('??????');
  });
});
