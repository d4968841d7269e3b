/**
 * Generated scans with known text: A4 at 200 dpi, paragraphs and an invoice, a little noise and skew.
 * Each block is drawn by the tests' renderer (@ocr-jobs/testing: dark Liberation Sans on white), so no
 * system font or canvas is needed.
 */
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

/** Deterministic speckle: a few hundred grey dots, as a scanner leaves. */
function speckle(seed: number): Buffer {
  const pixels = Buffer.alloc(A4.width * A4.height, 255);
  let x = seed * 2654435761;
  for (let i = 0; i < 600; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    pixels[x % pixels.length] = 90 + (x % 80);
  }
  return pixels;
}

async function page(
  name: string,
  blocks: string[],
  seed: number,
  skewDegrees: number,
): Promise<GeneratedPage> {
  const margin = 160;
  const rendered = await Promise.all(
    blocks.map((b) =>
      renderText(escapeMarkup(b), { dpi: 200, points: 11, width: A4.width - 2 * margin, spacing: 12 }),
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
  const noise = speckle(seed);
  for (let i = 0; i < clean.length; i++) clean[i] = Math.min(clean[i]!, noise[i]!);
  const jpeg = await sharp(clean, { raw: { width: A4.width, height: A4.height, channels: 1 } })
    .rotate(skewDegrees, { background: '#ffffff' })
    .resize(A4.width, A4.height, { fit: 'cover' })
    .jpeg({ quality: 85 })
    .toBuffer();
  return { name, text: blocks.join(' '), jpeg };
}

/** Three A4 pages (two of paragraphs, one invoice), slightly skewed and speckled, as JPEGs. */
export async function generatePages(): Promise<GeneratedPage[]> {
  return Promise.all([
    page('letter', PARAGRAPHS.slice(0, 2), 1, 0.6),
    page('terms', PARAGRAPHS.slice(2), 2, -0.9),
    page('invoice', INVOICE, 3, 0.4),
  ]);
}

/** Character error rate (edit distance / length of the truth), shared with the tests. */
export { characterErrorRate as cer } from '@ocr-jobs/testing';
