import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bmpSupport, decodeBmp, type DecodedImage } from '../../src';

// Every variant is written by ImageMagick's `convert` and compared pixel by pixel with its source.
let dir: string;
const W = 37; // odd width: every row is padded
const H = 23;

function convert(...args: string[]): void {
  execFileSync('convert', args, { cwd: dir });
}

/** The source's pixels as RGBA, 8 bits a channel, read by ImageMagick. */
function rgbaOf(png: string): Buffer {
  return execFileSync('convert', [png, '-depth', '8', 'rgba:-'], { cwd: dir });
}

function bmpFile(source: string, target: string, ...options: string[]): Buffer {
  convert(source, ...options, target);
  return readFileSync(path.join(dir, target.replace(/^\w+:/, '')));
}

/** The largest difference of any channel, alpha counted only when the decoded image has it. */
function maxDifference(image: DecodedImage, expected: Buffer): number {
  let max = 0;
  for (let i = 0; i < image.width * image.height; i++)
    for (let c = 0; c < image.channels; c++)
      max = Math.max(max, Math.abs(image.data[i * image.channels + c]! - expected[i * 4 + c]!));
  return max;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bmp-'));
  // Smooth colours for true-colour variants; six flat colours for palettes; black and white.
  convert(
    '-size',
    `${W}x${H}`,
    '-seed',
    '7',
    'plasma:',
    '-depth',
    '8',
    '-fill',
    'black',
    '-draw',
    'rectangle 3,3 12,9',
    '-fill',
    '#00ff00',
    '-draw',
    'rectangle 20,10 30,20',
    '-alpha',
    'off',
    'colour.png',
  );
  convert(
    '+antialias',
    '-size',
    `${W}x${H}`,
    'xc:white',
    '-fill',
    'red',
    '-draw',
    'rectangle 3,3 12,9',
    '-fill',
    '#00ff00',
    '-draw',
    'rectangle 20,10 30,20',
    '-fill',
    'blue',
    '-draw',
    'line 0,22 36,0',
    '-fill',
    '#ffff00',
    '-draw',
    'rectangle 14,1 18,5',
    '-fill',
    'black',
    '-draw',
    'point 36,22',
    'flat.png',
  );
  convert(
    '+antialias',
    '-size',
    `${W}x${H}`,
    'xc:white',
    '-fill',
    'black',
    '-draw',
    'rectangle 3,3 12,9',
    '-draw',
    'line 0,22 36,0',
    'bilevel.png',
  );
  convert('-size', `${W}x${H}`, 'gradient:rgba(255,0,0,1)-rgba(0,0,255,0.4)', '-depth', '8', 'alpha.png');
  // More than 16 flat colours, so ImageMagick writes 8 bits per pixel.
  convert(
    'flat.png',
    '(',
    '-size',
    '20x1',
    'gradient:black-white',
    ')',
    '-geometry',
    '+2+15',
    '-composite',
    'flat256.png',
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = (file: Buffer) => ({
  size: file.readUInt32LE(14),
  bits: file.readUInt16LE(file.readUInt32LE(14) === 12 ? 24 : 28),
  compression: file.readUInt32LE(14) === 12 ? 0 : file.readUInt32LE(30),
});

describe('decodeBmp reads what ImageMagick writes', () => {
  // [name, source, target, options, expected header, tolerance]
  const cases: [
    string,
    string,
    string,
    string[],
    { size: number; bits: number; compression: number },
    number,
  ][] = [
    ['default (V5, 24-bit)', 'colour.png', 'a.bmp', [], { size: 124, bits: 24, compression: 0 }, 0],
    [
      'BMP3 (40-byte header, 24-bit)',
      'colour.png',
      'BMP3:a.bmp',
      [],
      { size: 40, bits: 24, compression: 0 },
      0,
    ],
    [
      'BMP2 (OS/2 core header, 24-bit)',
      'colour.png',
      'BMP2:a.bmp',
      [],
      { size: 12, bits: 24, compression: 0 },
      0,
    ],
    [
      '-type TrueColor',
      'colour.png',
      'a.bmp',
      ['-type', 'TrueColor'],
      { size: 124, bits: 24, compression: 0 },
      0,
    ],
    [
      '-type Bilevel (1-bit, V4)',
      'bilevel.png',
      'a.bmp',
      ['-type', 'Bilevel'],
      { size: 108, bits: 1, compression: 0 },
      0,
    ],
    [
      'BMP3 -type Bilevel',
      'bilevel.png',
      'BMP3:a.bmp',
      ['-type', 'Bilevel'],
      { size: 40, bits: 1, compression: 0 },
      0,
    ],
    [
      'BMP2 -type Bilevel',
      'bilevel.png',
      'BMP2:a.bmp',
      ['-type', 'Bilevel'],
      { size: 12, bits: 1, compression: 0 },
      0,
    ],
    [
      '-type Palette, 6 colours (4-bit)',
      'flat.png',
      'a.bmp',
      ['-type', 'Palette'],
      { size: 124, bits: 4, compression: 0 },
      0,
    ],
    [
      'BMP3 -type Palette (4-bit)',
      'flat.png',
      'BMP3:a.bmp',
      ['-type', 'Palette'],
      { size: 40, bits: 4, compression: 0 },
      0,
    ],
    [
      'BMP2 -type Palette (4-bit)',
      'flat.png',
      'BMP2:a.bmp',
      ['-type', 'Palette'],
      { size: 12, bits: 4, compression: 0 },
      0,
    ],
    [
      '-type Palette, 26 colours (RLE8)',
      'flat256.png',
      'a.bmp',
      ['-type', 'Palette'],
      { size: 124, bits: 8, compression: 1 },
      0,
    ],
    [
      'BMP3 -type Palette -compress RLE',
      'flat256.png',
      'BMP3:a.bmp',
      ['-type', 'Palette', '-compress', 'RLE'],
      { size: 40, bits: 8, compression: 1 },
      0,
    ],
    [
      '-type Palette -compress None (8-bit)',
      'flat256.png',
      'a.bmp',
      ['-type', 'Palette', '-compress', 'None'],
      { size: 124, bits: 8, compression: 0 },
      0,
    ],
    [
      'BMP2 -type Palette (8-bit)',
      'flat256.png',
      'BMP2:a.bmp',
      ['-type', 'Palette'],
      { size: 12, bits: 8, compression: 0 },
      0,
    ],
    // 5 or 6 bits a channel (4 for ARGB4444): one step of that depth at most.
    [
      'bmp:subtype=RGB565',
      'colour.png',
      'a.bmp',
      ['-define', 'bmp:subtype=RGB565'],
      { size: 124, bits: 16, compression: 3 },
      8,
    ],
    [
      'bmp:subtype=RGB555',
      'colour.png',
      'a.bmp',
      ['-define', 'bmp:subtype=RGB555'],
      { size: 124, bits: 16, compression: 3 },
      8,
    ],
    [
      'bmp:subtype=ARGB4444',
      'alpha.png',
      'a.bmp',
      ['-define', 'bmp:subtype=ARGB4444'],
      { size: 124, bits: 16, compression: 3 },
      17,
    ],
    [
      'bmp:subtype=ARGB1555',
      'alpha.png',
      'a.bmp',
      ['-define', 'bmp:subtype=ARGB1555'],
      { size: 124, bits: 16, compression: 3 },
      8,
    ],
    [
      '32-bit with alpha (default for an alpha image)',
      'alpha.png',
      'a.bmp',
      [],
      { size: 124, bits: 32, compression: 3 },
      0,
    ],
    [
      '-type TrueColorAlpha',
      'colour.png',
      'a.bmp',
      ['-type', 'TrueColorAlpha'],
      { size: 124, bits: 32, compression: 3 },
      0,
    ],
  ];

  it.each(cases)('%s', (_name, source, target, options, expected, tolerance) => {
    const file = bmpFile(source, target, ...options);
    expect(header(file)).toEqual(expected);
    expect(bmpSupport(file)).toEqual({ ok: true, width: W, height: H });
    const image = decodeBmp(file);
    expect([image.width, image.height]).toEqual([W, H]);
    expect(image.data.length).toBe(W * H * image.channels);
    // An alpha mask (32-bit bit fields, ARGB) gives an alpha channel, even when every pixel is opaque.
    const alphaMask = expected.bits === 32 || source === 'alpha.png';
    expect(image.channels).toBe(alphaMask ? 4 : 3);
    // ARGB1555 keeps one bit of alpha: compare colours only for it.
    const compared =
      expected.bits === 16 && options.join().includes('1555')
        ? { ...image, channels: 3 as const, data: dropAlpha(image) }
        : image;
    expect(maxDifference(compared, rgbaOf(source))).toBeLessThanOrEqual(tolerance);
  });
});

function dropAlpha(image: DecodedImage): Buffer {
  const rgb = Buffer.alloc(image.width * image.height * 3);
  for (let i = 0; i < image.width * image.height; i++) image.data.copy(rgb, i * 3, i * 4, i * 4 + 3);
  return rgb;
}

/** A 40-byte-header BMP written by hand: ImageMagick writes neither top-down rows nor RLE4. */
function handMade(options: {
  width: number;
  height: number;
  bits: number;
  compression: number;
  palette?: [number, number, number][];
  pixels: Buffer;
}): Buffer {
  const palette = options.palette ?? [];
  const offset = 54 + palette.length * 4;
  const file = Buffer.alloc(offset + options.pixels.length);
  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(offset, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(options.width, 18);
  file.writeInt32LE(options.height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(options.bits, 28);
  file.writeUInt32LE(options.compression, 30);
  file.writeUInt32LE(palette.length, 46);
  palette.forEach(([r, g, b], i) => {
    file[54 + i * 4] = b;
    file[55 + i * 4] = g;
    file[56 + i * 4] = r;
  });
  options.pixels.copy(file, offset);
  return file;
}

describe('decodeBmp, hand-made variants', () => {
  it('reads a top-down BMP (negative height) from its first row', () => {
    const top = Buffer.from([0, 0, 255, 0, 0, 255, 0, 0]); // two red pixels, padded to 8
    const bottom = Buffer.from([255, 0, 0, 255, 0, 0, 0, 0]); // two blue pixels
    const topDown = decodeBmp(
      handMade({ width: 2, height: -2, bits: 24, compression: 0, pixels: Buffer.concat([top, bottom]) }),
    );
    const bottomUp = decodeBmp(
      handMade({ width: 2, height: 2, bits: 24, compression: 0, pixels: Buffer.concat([bottom, top]) }),
    );
    const expected = Buffer.from([255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255]);
    expect(topDown).toEqual({ width: 2, height: 2, channels: 3, data: expected });
    expect(bottomUp).toEqual(topDown);
  });

  it('reads RLE4: encoded and absolute runs, line ends', () => {
    const palette: [number, number, number][] = [
      [0, 0, 0],
      [255, 255, 255],
      [255, 0, 0],
    ];
    // Bottom row: 3 pixels alternating 1,2,1 (encoded); top row: absolute 2,1,2 (padded to a word).
    const pixels = Buffer.from([3, 0x12, 0, 0, 0, 3, 0x21, 0x20, 0, 0, 0, 1]);
    const image = decodeBmp(handMade({ width: 3, height: 2, bits: 4, compression: 2, palette, pixels }));
    const red = [255, 0, 0];
    const white = [255, 255, 255];
    expect(image.channels).toBe(3);
    expect([...image.data]).toEqual([...red, ...white, ...red, ...white, ...red, ...white]);
  });

  it('leaves pixels an RLE8 delta skips transparent', () => {
    const palette: [number, number, number][] = [
      [0, 0, 0],
      [0, 0, 255],
    ];
    // Bottom row: one blue, then a delta of 2 to the right ends the row's painting; end of bitmap.
    const pixels = Buffer.from([1, 1, 0, 2, 2, 0, 1, 1, 0, 1]);
    const image = decodeBmp(handMade({ width: 4, height: 1, bits: 8, compression: 1, palette, pixels }));
    expect(image.channels).toBe(4);
    expect([...image.data]).toEqual([0, 0, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255]);
  });
});

describe('bmpSupport refuses what decodeBmp cannot read', () => {
  it('refuses a JPEG-compressed BMP (BI_JPEG) as unsupported', () => {
    const file = handMade({
      width: 2,
      height: 2,
      bits: 0,
      compression: 4,
      pixels: Buffer.from([0xff, 0xd8, 0xff]),
    });
    expect(bmpSupport(file)).toEqual({
      ok: false,
      code: 'UNSUPPORTED_BMP',
      reason: 'JPEG-compressed (BI_JPEG) BMP is not supported',
    });
    expect(() => decodeBmp(file)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_BMP' }));
  });

  it('refuses a truncated BMP as corrupt, from its head and total size', () => {
    const file = bmpFile('colour.png', 'a.bmp');
    const cut = file.subarray(0, file.length - 100);
    expect(bmpSupport(cut)).toMatchObject({ ok: false, code: 'CORRUPT_BMP' });
    expect(bmpSupport(file.subarray(0, 200), file.length)).toEqual({ ok: true, width: W, height: H });
    expect(() => decodeBmp(cut)).toThrow(/truncated/);
  });

  it("refuses ImageMagick's BMP3 RGB565 as corrupt: it declares bit fields but writes no masks", () => {
    const file = bmpFile('colour.png', 'BMP3:a.bmp', '-define', 'bmp:subtype=RGB565');
    expect(header(file)).toEqual({ size: 40, bits: 16, compression: 3 });
    expect(file.readUInt32LE(10)).toBe(54); // the pixels start right after the header
    expect(bmpSupport(file)).toMatchObject({ ok: false, code: 'CORRUPT_BMP' });
  });

  it('refuses an unknown header size and bits per pixel', () => {
    const file = bmpFile('colour.png', 'BMP3:a.bmp');
    const odd = Buffer.from(file);
    odd.writeUInt32LE(20, 14);
    expect(bmpSupport(odd)).toMatchObject({ ok: false, code: 'UNSUPPORTED_BMP' });
    const bits = Buffer.from(file);
    bits.writeUInt16LE(2, 28);
    expect(bmpSupport(bits)).toMatchObject({
      ok: false,
      code: 'UNSUPPORTED_BMP',
      reason: 'BMP with 2 bits per pixel is not supported',
    });
  });
});
