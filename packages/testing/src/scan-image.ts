import path from 'node:path';
import sharp from 'sharp';

// Liberation Sans from an npm package (pdf.js ships it), so the scan never depends on system fonts.
const FONT_FILE = path.join(
  path.dirname(require.resolve('pdfjs-dist/package.json')),
  'standard_fonts',
  'LiberationSans-Regular.ttf',
);

/** A PNG of `text` in black on white with a margin, like a scanned page, that tesseract reads back. */
export async function renderText(text: string, options: { dpi?: number } = {}): Promise<Buffer> {
  const glyphs = await sharp({
    text: { text, font: 'Liberation Sans', fontfile: FONT_FILE, dpi: options.dpi ?? 150, rgba: true },
  })
    .png()
    .toBuffer();
  // rgba: dark glyphs on transparency, flattened onto white like a scanned page (without it sharp draws
  // white text on a black box whose edges tesseract reads as extra glyphs).
  return sharp(glyphs)
    .flatten({ background: '#ffffff' })
    .extend({ top: 40, bottom: 40, left: 40, right: 40, background: '#ffffff' })
    .png()
    .toBuffer();
}
