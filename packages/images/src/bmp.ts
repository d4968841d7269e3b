/**
 * Windows and OS/2 bitmaps (sharp has no BMP reader). Our own decoder: the npm BMP decoders each miss
 * variants scanners and ImageMagick write (OS/2 core headers, RLE8/RLE4, 16-bit bitfields after a
 * 40-byte header, palettes; see the package README), and the format is small and frozen.
 *
 * Read: BITMAPCOREHEADER (OS/2 1.x), BITMAPINFOHEADER, the V2/V3/V4/V5 headers and OS/2 2.x
 * (uncompressed); 1, 4, 8, 16, 24 and 32 bits per pixel; BI_RGB, BI_RLE8, BI_RLE4, BI_BITFIELDS and
 * BI_ALPHABITFIELDS; bottom-up and top-down rows. Refused: embedded JPEG/PNG (BI_JPEG, BI_PNG), CMYK,
 * OS/2 Huffman and RLE24 compression.
 */

export interface DecodedImage {
  width: number;
  height: number;
  /** 3: RGB; 4: RGBA (an alpha mask, or pixels an RLE stream left unpainted). */
  channels: 3 | 4;
  /** Raw pixels, row by row from the top, for `sharp(data, { raw: { width, height, channels } })`. */
  data: Buffer;
}

export type BmpProblem = 'UNSUPPORTED_BMP' | 'CORRUPT_BMP';

/** What {@link bmpSupport} says: readable with its size, or why not. */
export type BmpSupport =
  { ok: true; width: number; height: number } | { ok: false; code: BmpProblem; reason: string };

/** Thrown by {@link decodeBmp}; `code` says whether the variant is unsupported or the file broken. */
export class BmpError extends Error {
  constructor(
    readonly code: BmpProblem,
    message: string,
  ) {
    super(message);
    this.name = 'BmpError';
  }
}

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_JPEG = 4;
const BI_PNG = 5;
const BI_ALPHABITFIELDS = 6;

const FILE_HEADER = 14;
const CORE_HEADER = 12;
const OS2_V2_HEADER = 64;
const INFO_HEADER_SIZES = [40, 52, 56, 64, 108, 124];
/** Enough bytes for any header, its masks and a 256-colour palette. */
export const BMP_HEAD_BYTES = FILE_HEADER + 124 + 16 + 256 * 4;

interface Header {
  width: number;
  height: number;
  topDown: boolean;
  bitsPerPixel: number;
  compression: number;
  dataOffset: number;
  /** Where the palette starts and how many bytes each entry takes (3 for OS/2 core, else 4). */
  paletteOffset: number;
  paletteEntrySize: number;
  paletteSize: number;
  masks: { red: number; green: number; blue: number; alpha: number };
}

type Parsed = { ok: true; header: Header } | { ok: false; code: BmpProblem; reason: string };

const unsupported = (reason: string): Parsed => ({ ok: false, code: 'UNSUPPORTED_BMP', reason });
const corrupt = (reason: string): Parsed => ({ ok: false, code: 'CORRUPT_BMP', reason });

function compressionName(compression: number): string {
  if (compression === BI_JPEG) return 'JPEG-compressed (BI_JPEG)';
  if (compression === BI_PNG) return 'PNG-compressed (BI_PNG)';
  return `compression ${compression}`;
}

function parseHeader(head: Buffer): Parsed {
  if (head.length < FILE_HEADER + 4 || head.toString('latin1', 0, 2) !== 'BM')
    return corrupt('not a Windows bitmap (no BM signature)');
  const headerSize = head.readUInt32LE(14);
  const core = headerSize === CORE_HEADER;
  if (!core && !INFO_HEADER_SIZES.includes(headerSize))
    return unsupported(`BMP header of ${headerSize} bytes is not a known variant`);
  if (head.length < FILE_HEADER + Math.min(headerSize, 40)) return corrupt('BMP header is truncated');
  const dataOffset = head.readUInt32LE(10);
  const width = core ? head.readUInt16LE(18) : head.readInt32LE(18);
  const rawHeight = core ? head.readUInt16LE(20) : head.readInt32LE(22);
  const bitsPerPixel = head.readUInt16LE(core ? 24 : 28);
  const compression = core ? BI_RGB : head.readUInt32LE(30);
  if (width <= 0 || rawHeight === 0) return corrupt(`BMP has no size (${width}×${rawHeight})`);
  // OS/2 2.x reuses 3 and 4 for Huffman 1D and RLE24, which nothing we know writes.
  if (headerSize === OS2_V2_HEADER && compression > BI_RLE4)
    return unsupported(`OS/2 bitmap with compression ${compression} (Huffman or RLE24) is not supported`);
  if (![BI_RGB, BI_RLE8, BI_RLE4, BI_BITFIELDS, BI_ALPHABITFIELDS].includes(compression))
    return unsupported(`${compressionName(compression)} BMP is not supported`);
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel))
    return unsupported(`BMP with ${bitsPerPixel} bits per pixel is not supported`);
  if (compression === BI_RLE8 && bitsPerPixel !== 8) return corrupt('BMP is RLE8 but not 8 bits per pixel');
  if (compression === BI_RLE4 && bitsPerPixel !== 4) return corrupt('BMP is RLE4 but not 4 bits per pixel');
  const bitfields = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (bitfields && bitsPerPixel !== 16 && bitsPerPixel !== 32)
    return unsupported(`BMP with bit fields at ${bitsPerPixel} bits per pixel is not supported`);

  // Masks sit in the header from V2 (52 bytes) on, else just after a 40-byte header.
  let masks =
    bitsPerPixel === 16
      ? { red: 0x7c00, green: 0x03e0, blue: 0x001f, alpha: 0 }
      : { red: 0x00ff0000, green: 0x0000ff00, blue: 0x000000ff, alpha: 0 };
  let extraMasks = 0;
  if (bitfields) {
    extraMasks = headerSize === 40 ? (compression === BI_ALPHABITFIELDS ? 16 : 12) : 0;
    if (head.length < 54 + 16) return corrupt('BMP colour masks are truncated');
    const alphaInHeader = headerSize >= 56 || compression === BI_ALPHABITFIELDS;
    masks = {
      red: head.readUInt32LE(54),
      green: head.readUInt32LE(58),
      blue: head.readUInt32LE(62),
      alpha: alphaInHeader ? head.readUInt32LE(66) : 0,
    };
    if (!masks.red || !masks.green || !masks.blue) return corrupt('BMP has an empty colour mask');
  }

  const paletteOffset = FILE_HEADER + headerSize + extraMasks;
  const paletteEntrySize = core ? 3 : 4;
  let paletteSize = 0;
  if (bitsPerPixel <= 8) {
    const used = core ? 0 : head.readUInt32LE(46);
    paletteSize = used > 0 && used <= 1 << bitsPerPixel ? used : 1 << bitsPerPixel;
    // Some writers declare more entries than fit before the pixels: use the ones that are there.
    paletteSize = Math.min(paletteSize, Math.floor((dataOffset - paletteOffset) / paletteEntrySize));
    if (paletteSize <= 0) return corrupt('BMP palette is missing');
  }
  if (dataOffset < paletteOffset) return corrupt('BMP pixel data starts inside its header');
  return {
    ok: true,
    header: {
      width,
      height: Math.abs(rawHeight),
      topDown: rawHeight < 0,
      bitsPerPixel,
      compression,
      dataOffset,
      paletteOffset,
      paletteEntrySize,
      paletteSize,
      masks,
    },
  };
}

function rowBytes(header: Header): number {
  return Math.floor((header.bitsPerPixel * header.width + 31) / 32) * 4;
}

/**
 * Whether {@link decodeBmp} can read a BMP, from its first bytes (at least {@link BMP_HEAD_BYTES} or
 * the whole file) and its total size: cheap enough for the API to answer at upload. An RLE stream that
 * ends early still decodes (the rest stays transparent, as Windows shows it), so the size of an
 * uncompressed image is the only thing checked beyond the header.
 */
export function bmpSupport(head: Buffer, fileBytes: number = head.length): BmpSupport {
  const parsed = parseReadable(head, fileBytes);
  return parsed.ok ? { ok: true, width: parsed.header.width, height: parsed.header.height } : parsed;
}

/** The header, when the variant is read and the file holds all the pixel data it announces. */
function parseReadable(head: Buffer, fileBytes: number): Parsed {
  const parsed = parseHeader(head);
  if (!parsed.ok) return parsed;
  const { header } = parsed;
  const needed =
    header.compression === BI_RLE8 || header.compression === BI_RLE4
      ? header.dataOffset + 2
      : header.dataOffset +
        rowBytes(header) * (header.height - 1) +
        Math.ceil((header.bitsPerPixel * header.width) / 8);
  if (fileBytes < needed) return corrupt(`BMP pixel data is truncated: ${fileBytes} bytes, ${needed} needed`);
  return parsed;
}

interface Channel {
  mask: number;
  shift: number;
  max: number;
}

function channel(mask: number): Channel {
  let shift = 0;
  while (mask !== 0 && ((mask >>> shift) & 1) === 0) shift++;
  return { mask, shift, max: mask >>> shift };
}

/** A mask's value scaled to 0..255 (5-bit 31 → 255). */
function scaled(value: number, c: Channel): number {
  return c.max === 0 ? 255 : Math.round(((((value & c.mask) >>> 0) >>> c.shift) * 255) / c.max);
}

function palette(file: Buffer, header: Header): Buffer {
  const colours = Buffer.alloc(header.paletteSize * 3);
  for (let i = 0; i < header.paletteSize; i++) {
    const at = header.paletteOffset + i * header.paletteEntrySize;
    colours[i * 3] = file[at + 2]!;
    colours[i * 3 + 1] = file[at + 1]!;
    colours[i * 3 + 2] = file[at]!;
  }
  return colours;
}

/** Uncompressed pixels: palette indices (1, 4, 8 bits) or packed colours (16, 24, 32 bits). */
function decodeRows(file: Buffer, header: Header): DecodedImage {
  const { width, height, bitsPerPixel: bits } = header;
  const stride = rowBytes(header);
  const alpha = header.masks.alpha !== 0;
  const channels = alpha ? 4 : 3;
  const data = Buffer.alloc(width * height * channels);
  const colours = bits <= 8 ? palette(file, header) : undefined;
  const [red, green, blue, alphaChannel] = [
    channel(header.masks.red),
    channel(header.masks.green),
    channel(header.masks.blue),
    channel(header.masks.alpha),
  ];
  let anyAlpha = false;
  for (let y = 0; y < height; y++) {
    const row = header.dataOffset + (header.topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const out = (y * width + x) * channels;
      if (colours) {
        const bitAt = x * bits;
        const byte = file[row + (bitAt >> 3)]!;
        const index = (byte >> (8 - bits - (bitAt & 7))) & ((1 << bits) - 1);
        // An index beyond the palette is black, as Windows draws it.
        if (index < header.paletteSize) colours.copy(data, out, index * 3, index * 3 + 3);
        continue;
      }
      if (bits === 24) {
        const at = row + x * 3;
        data[out] = file[at + 2]!;
        data[out + 1] = file[at + 1]!;
        data[out + 2] = file[at]!;
        continue;
      }
      const value = bits === 16 ? file.readUInt16LE(row + x * 2) : file.readUInt32LE(row + x * 4);
      data[out] = scaled(value, red);
      data[out + 1] = scaled(value, green);
      data[out + 2] = scaled(value, blue);
      if (alpha) {
        data[out + 3] = scaled(value, alphaChannel);
        if (data[out + 3] !== 0) anyAlpha = true;
      }
    }
  }
  // Many writers leave an alpha mask with every alpha 0: that image is meant opaque, not invisible.
  if (alpha && !anyAlpha) for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { width, height, channels, data };
}

/**
 * RLE8/RLE4 (run-length palette indices). Pixels the stream skips (delta escapes, an early end) stay
 * transparent; the image has an alpha channel only when there are such pixels.
 */
function decodeRle(file: Buffer, header: Header): DecodedImage {
  const { width, height } = header;
  const four = header.compression === BI_RLE4;
  const colours = palette(file, header);
  const rgba = Buffer.alloc(width * height * 4);
  let painted = 0;
  let x = 0;
  let y = 0; // rows counted in file order (bottom-up unless topDown)
  const put = (index: number) => {
    if (x < width && y < height) {
      const out = ((header.topDown ? y : height - 1 - y) * width + x) * 4;
      if (index < header.paletteSize) colours.copy(rgba, out, index * 3, index * 3 + 3);
      if (rgba[out + 3] === 0) painted++;
      rgba[out + 3] = 255;
    }
    x++;
  };
  let at = header.dataOffset;
  while (at + 1 < file.length && y < height) {
    const count = file[at]!;
    const value = file[at + 1]!;
    at += 2;
    if (count > 0) {
      for (let i = 0; i < count; i++) put(four ? (i & 1 ? value & 0x0f : value >> 4) : value);
      continue;
    }
    if (value === 0) {
      x = 0;
      y++;
    } else if (value === 1) {
      break;
    } else if (value === 2) {
      if (at + 1 >= file.length) break;
      x += file[at]!;
      y += file[at + 1]!;
      at += 2;
    } else {
      // Absolute run: `value` literal indices, padded to a 16-bit boundary.
      const bytes = four ? Math.ceil(value / 2) : value;
      if (at + bytes > file.length) break;
      for (let i = 0; i < value; i++) {
        const byte = file[at + (four ? i >> 1 : i)]!;
        put(four ? (i & 1 ? byte & 0x0f : byte >> 4) : byte);
      }
      at += bytes + (bytes & 1);
    }
  }
  if (painted < width * height) return { width, height, channels: 4, data: rgba };
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) rgba.copy(rgb, o, i, i + 3);
  return { width, height, channels: 3, data: rgb };
}

/**
 * Decodes a BMP to raw RGB or RGBA pixels, top row first. Throws {@link BmpError} for what
 * {@link bmpSupport} refuses. Check the size ({@link bmpSupport}) against a pixel limit first.
 */
export function decodeBmp(file: Buffer): DecodedImage {
  const parsed = parseReadable(file, file.length);
  if (!parsed.ok) throw new BmpError(parsed.code, parsed.reason);
  const { header } = parsed;
  return header.compression === BI_RLE8 || header.compression === BI_RLE4
    ? decodeRle(file, header)
    : decodeRows(file, header);
}
