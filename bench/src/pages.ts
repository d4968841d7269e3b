/**
 * Generated scans with known text: A4 at 200 dpi, paragraphs and an invoice, noise, blur and skew.
 * Each block is drawn by the tests' renderer (@ocr-jobs/testing: dark Liberation Sans on white), so no
 * system font or canvas is needed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { renderText } from '@ocr-jobs/testing';
import sharp from 'sharp';

const A4 = { width: 1654, height: 2339 }; // 200 dpi

const PARAGRAPHS = [
  'The committee met on the third of March to review the annual budget. After a long discussion the members agreed to reduce travel costs by twelve percent and to move the spring meeting online.',
  'Shipping times have improved since the new warehouse opened in Leeds. Orders placed before noon now leave the same day, and customers in the north receive them within two working days.',
  'Please read the enclosed terms carefully. The warranty covers defects in materials and workmanship for a period of 24 months from the date of purchase, provided the product was used as intended.',
  'Our records show that the account was opened in 2019 and that all payments were received on time. The balance on the 31st of December was 4,250.00 and no further action is required.',
];

const INVOICE = [
  'INVOICE No. 2024-0917',
  'Example Trading Ltd, 14 Harbour Road, Bristol BS1 5TT',
  'Date: 17 September 2024    Customer: 88213',
  'Qty  Description                 Unit price   Amount',
  '12   Printer paper A4, 500 sheets   4.99     59.88',
  '3    Toner cartridge black         61.50    184.50',
  '1    Delivery                       9.90      9.90',
  'Subtotal 254.28   VAT 20% 50.86   Total 305.14',
  'Payment is due within thirty days. Please quote the invoice number.',
];

export interface GeneratedPage {
  name: string;
  /** The text on the page, for the character error rate. */
  text: string;
  jpeg: Buffer;
}

function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Margin renderText leaves around the text. */
const BLOCK_MARGIN = 40;

/** Deterministic pseudo-random numbers in [0, 1): the same pages every run. */
function random(seed: number): () => number {
  let x = (seed * 2654435761) >>> 0;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
}

/**
 * What a cheap office scan does to a page: a slight blur, grain over every pixel, dark specks and a
 * greyish background. Enough that the models make some mistakes, so the CER compares them.
 */
function scanNoise(pixels: Buffer, seed: number, grain: number): void {
  const next = random(seed);
  for (let i = 0; i < pixels.length; i++) {
    // The sum of two uniforms: a cheap, roughly bell-shaped grain.
    const noise = (next() + next() - 1) * grain;
    pixels[i] = Math.max(0, Math.min(255, Math.round(pixels[i]! * 0.92 + 12 + noise)));
  }
  for (let i = 0; i < 2000; i++) pixels[Math.floor(next() * pixels.length)] = Math.floor(next() * 120);
}

async function page(
  name: string,
  blocks: string[],
  seed: number,
  skewDegrees: number,
  points: number,
): Promise<GeneratedPage> {
  const margin = 160;
  const rendered = await Promise.all(
    blocks.map((b) =>
      renderText(escapeMarkup(b), { dpi: 200, points, width: A4.width - 2 * margin, spacing: 12 }),
    ),
  );
  const composites: sharp.OverlayOptions[] = [];
  let top = margin - BLOCK_MARGIN;
  for (const input of rendered) {
    composites.push({ input, left: margin - BLOCK_MARGIN, top });
    top += (await sharp(input).metadata()).height ?? 0;
  }
  const clean = await sharp({
    create: { width: A4.width, height: A4.height, channels: 3, background: '#ffffff' },
  })
    .composite(composites)
    .greyscale()
    .raw()
    .toBuffer();
  // A pipeline of its own: sharp composites last, so a blur in the one above would miss the text.
  // 1.2 px: the models start to misread (a few % CER); at 1.1 they read all, at 1.3 whole pages go.
  const raw = { raw: { width: A4.width, height: A4.height, channels: 1 as const } };
  const blurred = await sharp(clean, raw).blur(1.2).toColourspace('b-w').raw().toBuffer();
  scanNoise(blurred, seed, 60);
  const jpeg = await sharp(blurred, raw)
    .rotate(skewDegrees, { background: '#eeeeee' })
    .resize(A4.width, A4.height, { fit: 'cover' })
    .jpeg({ quality: 50 })
    .toBuffer();
  return { name, text: blocks.join(' '), jpeg };
}

/**
 * Three A4 pages (two of paragraphs, one of them small print, and an invoice), skewed by about a
 * degree, blurred, grainy and speckled, as JPEGs.
 */
export async function generatePages(): Promise<GeneratedPage[]> {
  return Promise.all([
    page('letter', PARAGRAPHS.slice(0, 2), 1, 1.1, 10),
    page('terms', PARAGRAPHS.slice(2), 2, -1.4, 8),
    page('invoice', INVOICE, 3, 0.7, 9),
  ]);
}

/**
 * Pages of one's own instead of the generated ones (`BENCH_PAGES_DIR`): every `*.jpg`/`*.jpeg` in the
 * directory, in name order, each with its text in a `.txt` file of the same name for the CER.
 */
export async function loadPages(dir: string): Promise<GeneratedPage[]> {
  const names = (await fs.readdir(dir)).filter((n) => /\.jpe?g$/i.test(n)).sort();
  if (names.length === 0) throw new Error(`BENCH_PAGES_DIR: no .jpg or .jpeg files in ${dir}`);
  return Promise.all(
    names.map(async (name) => {
      const base = name.replace(/\.jpe?g$/i, '');
      const truth = path.join(dir, `${base}.txt`);
      const text = await fs.readFile(truth, 'utf8').catch(() => {
        throw new Error(`BENCH_PAGES_DIR: ${name} has no ${base}.txt with its text (needed for the CER)`);
      });
      return { name: base, text: text.trim(), jpeg: await fs.readFile(path.join(dir, name)) };
    }),
  );
}

/** Character error rate (edit distance / length of the truth), shared with the tests. */
export { characterErrorRate as cer } from '@ocr-jobs/testing';
