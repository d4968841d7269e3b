import { execFileSync } from 'node:child_process';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';

/** Liberation Sans from an npm package (pdf.js ships it), so rendering never depends on system fonts. */
const FONT_FILE = path.join(
  path.dirname(require.resolve('pdfjs-dist/package.json')),
  'standard_fonts',
  'LiberationSans-Regular.ttf',
);

export interface RenderTextOptions {
  dpi?: number;
  /** Font size in points (Pango's default when unset). */
  points?: number;
  /** Wrap lines at this many pixels (no wrapping when unset). */
  width?: number;
  /** Extra pixels between lines. */
  spacing?: number;
}

/** A small scan: dark text on white, a margin of 40 pixels around it. `text` is Pango markup. */
export async function renderText(text: string, options: RenderTextOptions = {}): Promise<Buffer> {
  const image = await sharp({
    text: {
      text,
      font: options.points ? `Liberation Sans ${options.points}` : 'Liberation Sans',
      fontfile: FONT_FILE,
      dpi: options.dpi ?? 150,
      width: options.width,
      spacing: options.spacing,
      rgba: true,
    },
  })
    .png()
    .toBuffer();
  // rgba: dark glyphs on transparency, flattened onto white like a scanned page (without it sharp draws
  // white text on a black box whose edges tesseract reads as extra glyphs).
  return sharp(image)
    .flatten({ background: '#ffffff' })
    .extend({ top: 40, bottom: 40, left: 40, right: 40, background: '#ffffff' })
    .png()
    .toBuffer();
}

/*
 * PNGs written byte by byte, for what an image library will not make: a file whose header announces
 * more pixels than it holds.
 */

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An 8-bit greyscale PNG of `width` × `height` whose compressed pixel data is `rows` (each row starts with its filter byte). */
function greyscalePng(width: number, height: number, rows: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A valid greyscale PNG, white with a dark bar across its middle third: a real image to upload. */
export function testPng(width = 64, height = 32): Buffer {
  const rows = Buffer.alloc((width + 1) * height, 0xff);
  for (let y = 0; y < height; y++) {
    rows[y * (width + 1)] = 0; // filter: none
    if (y >= height / 3 && y < (2 * height) / 3)
      rows.fill(0x20, y * (width + 1) + 4, (y + 1) * (width + 1) - 4);
  }
  return greyscalePng(width, height, rows);
}

/** A valid PNG header announcing width × height, with only 16 rows of pixel data: a decompression bomb. */
export function pngBomb(width = 100_000, height = 100_000): Buffer {
  return greyscalePng(width, height, Buffer.alloc((width + 1) * 16));
}

/**
 * An image converted by ImageMagick's `convert` (a Debian package .ci/run installs), e.g.
 * `imageMagick(png, 'bmp')` for its default BMP (V5 header) or `imageMagick(png, 'BMP3', '-compress', 'RLE')`.
 */
export function imageMagick(input: Buffer, format: string, ...options: string[]): Buffer {
  return execFileSync('convert', ['-', ...options, `${format}:-`], { input, maxBuffer: 256 * 1024 * 1024 });
}
