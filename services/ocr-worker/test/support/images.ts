import PDFDocument from 'pdfkit';
import sharp from 'sharp';

export const SENTENCE = 'The quick brown fox jumps over the lazy dog';

/** Turned by a right angle (clockwise) or slightly skewed. */
export async function rotate(png: Buffer, degrees: number): Promise<Buffer> {
  return sharp(png).rotate(degrees, { background: '#ffffff' }).png().toBuffer();
}

/**
 * Pages of one size (each drawn on a white sheet, 900×200 or larger), written as one multi-page TIFF,
 * declaring `density` dpi when given.
 */
export async function multiPageTiff(pages: Buffer[], density?: number): Promise<Buffer> {
  const sizes = await Promise.all(pages.map((p) => sharp(p).metadata()));
  const width = Math.max(900, ...sizes.map((m) => m.width ?? 0));
  const height = Math.max(200, ...sizes.map((m) => m.height ?? 0));
  const sheets = await Promise.all(
    pages.map((page) =>
      sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
        .composite([{ input: page, left: 0, top: 0 }])
        .png()
        .toBuffer(),
    ),
  );
  const tiff = sharp(sheets, { join: { animated: true } });
  return (density === undefined ? tiff : tiff.withMetadata({ density })).tiff().toBuffer();
}

export async function pdf(pages: string[]): Promise<Buffer> {
  const doc = new PDFDocument({ size: [420, 200], autoFirstPage: false });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => doc.on('end', resolve));
  for (const text of pages)
    doc
      .addPage({ size: [420, 200] })
      .fontSize(18)
      .text(text, 30, 40, { width: 360 });
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}

/**
 * A PDF of pages of one size (420×200 pt): first one text page per entry of `textPages` (a text
 * layer, as a word processor writes), then one page per scan, showing only that image (no text layer).
 */
export async function imagePdf(scans: Buffer[], textPages: string[] = []): Promise<Buffer> {
  const doc = new PDFDocument({ size: [420, 200], autoFirstPage: false });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => doc.on('end', resolve));
  for (const text of textPages)
    doc
      .addPage({ size: [420, 200] })
      .fontSize(18)
      .text(text, 30, 40, { width: 360 });
  for (const scan of scans) doc.addPage({ size: [420, 200] }).image(scan, 0, 0, { fit: [420, 200] });
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}

/** A PNG cut off halfway through its pixel data. */
export async function truncatedPng(): Promise<Buffer> {
  const whole = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#888' } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  return whole.subarray(0, Math.floor(whole.length / 2));
}

/** A 24-bit bottom-up Windows BMP of a solid colour. */
export function bmp(width: number, height: number, rgb: [number, number, number]): Buffer {
  const row = Math.ceil((width * 3) / 4) * 4;
  const file = Buffer.alloc(54 + row * height);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(54, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(24, 28);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const at = 54 + y * row + x * 3;
      file[at] = rgb[2];
      file[at + 1] = rgb[1];
      file[at + 2] = rgb[0];
    }
  return file;
}

export { similarity } from '@ocr-jobs/testing';
