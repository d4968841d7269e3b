import { promisify } from 'node:util';
import { deflate as deflateCallback } from 'node:zlib';
import { sniffMediaType, type MediaKind, type OcrResult, type OcrResultPage } from '@ocr-jobs/contracts';
import {
  beginText,
  concatTransformationMatrix,
  degrees,
  drawObject,
  endText,
  popGraphicsState,
  pushGraphicsState,
  setCharacterSqueeze,
  setFontAndSize,
  setTextMatrix,
  setTextRenderingMode,
  showText,
  StandardFonts,
  TextRenderingMode,
  type PDFFont,
  type PDFName,
  type PDFOperator,
  type PDFPage,
  PDFDocument,
} from 'pdf-lib';
import { decodeBmp } from '@ocr-jobs/images';
import sharp from 'sharp';
import { ApiError } from '../http/api-error';

const deflate = promisify(deflateCallback);

/** An image's resolution when neither the result nor the file says one (the worker assumes it too). */
const DEFAULT_IMAGE_DPI = 300;

/**
 * Helvetica's descent, as a fraction of the font size: the baseline sits this far above the bottom of
 * a line's box, so a selection (ascent + descent ≈ the font size) covers the line's words.
 */
const DESCENT = 0.207;

/**
 * A page image ready to embed: JPEG bytes go in as they are (DCTDecode); other images as their
 * pixels, deflated by node's zlib (lossless; pdf-lib's own PNG embedding decodes and re-compresses in
 * JavaScript, about 2.6 s for an A4 page at 300 dpi against 0.1-0.4 s this way).
 */
type PageImage = { width: number; height: number; density?: number | undefined } & (
  | { format: 'jpeg'; bytes: Uint8Array }
  | {
      format: 'pixels';
      /** The deflated rows of pixels. */
      bytes: Uint8Array;
      colourSpace: 'DeviceGray' | 'DeviceRGB';
      /** 1 for black-and-white (8 pixels a byte), else 8. */
      bitsPerComponent: 1 | 8;
    }
);

/** The text layer's font: one per document, and its encodable characters. */
interface TextFont {
  font: PDFFont;
  encodable: Set<number>;
}

/**
 * A searchable PDF of one item: its pages (a PDF's own pages, or its images) with the OCR text
 * invisibly on the words. `original` is the stored upload, `result` its structured result.
 */
export async function searchablePdf(original: Buffer, result: OcrResult, title: string): Promise<Uint8Array> {
  const doc = await newSearchableDocument(title);
  await appendSearchablePages(doc, original, result);
  return doc.save();
}

/** A document to append items to, with the producer set (pdf-lib's default names itself). */
export async function newSearchableDocument(title: string): Promise<PDFDocument> {
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  doc.setProducer('ocr-jobs');
  return doc;
}

/**
 * Appends the item's read pages to `doc`, each with an invisible text layer (render mode 3) placed on
 * its words. Pages are handled one at a time; only pages that the result has are added (a page range
 * read only those). A page read turned (`rotation`) is shown turned the same way (/Rotate), so the text
 * lies on the words as displayed. Born-digital PDF pages already carry their text and get no second
 * layer.
 */
export async function appendSearchablePages(
  doc: PDFDocument,
  original: Buffer,
  result: OcrResult,
): Promise<void> {
  const kind = sniffMediaType(original)?.kind;
  if (kind === undefined)
    throw new ApiError(415, 'PDF_NOT_AVAILABLE_FOR_FORMAT', 'the stored file is of no known type');
  const font = await textFont(doc);
  if (kind === 'pdf') {
    await appendPdfPages(doc, original, result, font);
    return;
  }
  for (const resultPage of result.pages) {
    const image = await pageImage(original, kind, resultPage.page);
    // The page is the image at its resolution: 72 points per inch.
    const pointsPerPixel = 72 / (resultPage.dpi ?? image.density ?? DEFAULT_IMAGE_DPI);
    const width = image.width * pointsPerPixel;
    const height = image.height * pointsPerPixel;
    const page = doc.addPage([width, height]);
    await drawPageImage(doc, page, image);
    overlayText(page, font, resultPage, normalAngle(resultPage.rotation));
  }
}

async function appendPdfPages(doc: PDFDocument, original: Buffer, result: OcrResult, font: TextFont) {
  let source: PDFDocument;
  try {
    source = await PDFDocument.load(original, { ignoreEncryption: true, updateMetadata: false });
  } catch (error) {
    throw new ApiError(422, 'PDF_NOT_AVAILABLE_FOR_FORMAT', 'the stored PDF could not be parsed', {
      cause: error,
    });
  }
  const count = source.getPageCount();
  const wanted = result.pages.filter((p) => p.page <= count);
  const copies = await doc.copyPages(
    source,
    wanted.map((p) => p.page - 1),
  );
  for (const [index, page] of copies.entries()) {
    const resultPage = wanted[index]!;
    doc.addPage(page);
    if (resultPage.source === 'text-layer') continue;
    // The worker rendered the page as displayed (its own /Rotate applied), then turned it to read it.
    const turn = normalAngle(page.getRotation().angle + resultPage.rotation);
    isolateExistingContent(doc, page);
    overlayText(page, font, resultPage, turn);
  }
}

/** Draws `image` over the whole of `page`. */
async function drawPageImage(doc: PDFDocument, page: PDFPage, image: PageImage) {
  const { width, height } = page.getSize();
  if (image.format === 'jpeg') {
    page.drawImage(await doc.embedJpg(image.bytes), { x: 0, y: 0, width, height });
    return;
  }
  const stream = doc.context.stream(image.bytes, {
    Type: 'XObject',
    Subtype: 'Image',
    Width: image.width,
    Height: image.height,
    ColorSpace: image.colourSpace,
    BitsPerComponent: image.bitsPerComponent,
    Filter: 'FlateDecode',
  });
  const name = page.node.newXObject('Image', doc.context.register(stream));
  page.pushOperators(
    pushGraphicsState(),
    concatTransformationMatrix(width, 0, 0, height, 0, 0),
    drawObject(name),
    popGraphicsState(),
  );
}

/**
 * Wraps a copied page's content in q … Q, so a graphics state it leaves changed (a scale, a clip)
 * does not move the text layer drawn after it.
 */
function isolateExistingContent(doc: PDFDocument, page: PDFPage) {
  page.node.normalize();
  const start = doc.context.register(doc.context.contentStream([pushGraphicsState()]));
  const end = doc.context.register(doc.context.contentStream([popGraphicsState()]));
  page.node.wrapContentStreams(start, end);
}

const normalAngle = (angle: number) => (((Math.round(angle / 90) * 90) % 360) + 360) % 360;

/**
 * The matrix from the displayed page (x right, y up, in points, origin bottom-left as shown after a
 * /Rotate of `turn` degrees clockwise) to the page's own user space (its crop box at `x`, `y`).
 */
function displayToUserSpace(
  turn: number,
  box: { x: number; y: number; width: number; height: number },
): PDFOperator {
  const cm = concatTransformationMatrix;
  const { x, y, width, height } = box;
  if (turn === 90) return cm(0, 1, -1, 0, x + width, y);
  if (turn === 180) return cm(-1, 0, 0, -1, x + width, y + height);
  if (turn === 270) return cm(0, -1, 1, 0, x, y + height);
  return cm(1, 0, 0, 1, x, y);
}

/**
 * Shows the page as it was read (turned by `turn` degrees clockwise) and writes each line's words,
 * invisible, on their boxes: one font size per line from its height (so a line stays one line for
 * text extraction), each word stretched (Tz) to its box's width.
 */
function overlayText(page: PDFPage, textFont: TextFont, resultPage: OcrResultPage, turn: number) {
  page.setRotation(degrees(turn));
  const box = page.getCropBox();
  const sideways = turn === 90 || turn === 270;
  const shownWidth = sideways ? box.height : box.width;
  const shownHeight = sideways ? box.width : box.height;
  if (resultPage.width <= 0 || resultPage.height <= 0) return;
  const sx = shownWidth / resultPage.width;
  const sy = shownHeight / resultPage.height;
  const { font } = textFont;
  const fontKey: PDFName = page.node.newFontDictionary(font.name, font.ref);
  const ops: PDFOperator[] = [
    pushGraphicsState(),
    displayToUserSpace(turn, box),
    beginText(),
    setTextRenderingMode(TextRenderingMode.Invisible),
  ];
  for (const line of resultPage.lines) {
    const size = (line.bbox.y1 - line.bbox.y0) * sy;
    const words = line.words
      .map((w) => ({ ...w, text: encodableText(w.text.trim(), textFont) }))
      .filter((w) => w.text.length > 0);
    if (size <= 0 || words.length === 0) continue;
    const baseline = shownHeight - line.bbox.y1 * sy + size * DESCENT;
    ops.push(setFontAndSize(fontKey, size));
    for (const [index, word] of words.entries()) {
      const width = (word.bbox.x1 - word.bbox.x0) * sx;
      const natural = font.widthOfTextAtSize(word.text, size);
      if (width <= 0 || natural <= 0) continue;
      // A space after each word but the last: extraction then separates the words for sure.
      const shown = index < words.length - 1 ? `${word.text} ` : word.text;
      ops.push(
        setTextMatrix(1, 0, 0, 1, word.bbox.x0 * sx, baseline),
        setCharacterSqueeze((100 * width) / natural),
        showText(font.encodeText(shown)),
      );
    }
  }
  ops.push(endText(), popGraphicsState());
  page.pushOperators(...ops);
}

/**
 * The standard Helvetica in WinAnsi encoding: no font file to embed or ship, and it covers Latin-1
 * and cp1252 (every accent of Portuguese, Spanish, French, German, Italian). Characters outside it
 * are replaced (see {@link encodableText}).
 */
async function textFont(doc: PDFDocument): Promise<TextFont> {
  const font = await doc.embedFont(StandardFonts.Helvetica);
  return { font, encodable: new Set(font.getCharacterSet()) };
}

/**
 * `text` in characters the font can encode: compatibility forms folded first (the ligature "ﬁ" is
 * "fi"), then a character outside the font loses its accents ("ő" is "o") or becomes "?". The JSON,
 * text and hOCR results keep the exact text; only the PDF's text layer is limited to WinAnsi.
 */
export function encodableText(text: string, font: { encodable: Set<number> }): string {
  let out = '';
  for (const char of text.normalize('NFKC')) {
    const code = char.codePointAt(0)!;
    if (font.encodable.has(code)) {
      out += char;
      continue;
    }
    const base = char.normalize('NFKD').replace(/\p{M}/gu, '');
    out += [...base].every((c) => font.encodable.has(c.codePointAt(0)!)) && base.length > 0 ? base : '?';
  }
  return out;
}

/**
 * One page of an image file, ready to embed. A JPEG goes in as it is unless it carries an EXIF
 * orientation (the worker read it upright, and a PDF viewer ignores EXIF); the rest is decoded by sharp.
 */
async function pageImage(
  file: Buffer,
  kind: Exclude<MediaKind, 'pdf'>,
  pageNumber: number,
): Promise<PageImage> {
  if (kind === 'bmp') return pixels(bmpImage(file), 'bmp', true, false);
  const frame = kind === 'tiff' ? pageNumber - 1 : 0;
  const input = sharp(file, { page: frame, limitInputPixels: false });
  const header = await input.metadata().catch((error: unknown) => {
    throw new ApiError(422, 'PDF_NOT_AVAILABLE_FOR_FORMAT', `the stored ${kind} could not be read`, {
      cause: error,
    });
  });
  const upright = (header.orientation ?? 1) === 1;
  if (kind === 'jpeg' && upright)
    return {
      format: 'jpeg',
      bytes: file,
      width: header.width,
      height: header.height,
      density: header.density,
    };
  const hasAlpha = header.hasAlpha && (header.channels === 2 || header.channels === 4);
  const grey = header.channels === 1 || (header.channels === 2 && header.hasAlpha);
  // A PNG stays lossless, and so does a grey or black-and-white scan (most TIFFs): deflated, such a
  // page is a fraction of its JPEG. Colour TIFF, WebP and GIF frames become JPEG.
  const converted =
    kind === 'png' || grey
      ? await pixels(input.autoOrient(), kind, hasAlpha, grey)
      : await toJpeg(input.autoOrient(), kind, hasAlpha);
  return { ...converted, density: header.density };
}

const unreadable = (kind: string, error: unknown) =>
  new ApiError(422, 'PDF_NOT_AVAILABLE_FOR_FORMAT', `the stored ${kind} could not be converted`, {
    cause: error,
  });

/** The image's pixels on white (no alpha), grey or RGB; black-and-white ones packed 8 to a byte. */
async function pixels(
  image: sharp.Sharp,
  kind: string,
  hasAlpha: boolean,
  grey: boolean,
): Promise<PageImage> {
  const flat = hasAlpha ? image.flatten({ background: '#ffffff' }) : image;
  const { data, info } = await (grey ? flat.extractChannel(0) : flat.toColourspace('srgb').removeAlpha())
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw unreadable(kind, error);
    });
  const blackAndWhite = info.channels === 1 && data.every((v) => v === 0 || v === 255);
  return {
    format: 'pixels',
    bytes: await deflate(blackAndWhite ? packBits(data, info.width, info.height) : data),
    colourSpace: info.channels === 1 ? 'DeviceGray' : 'DeviceRGB',
    bitsPerComponent: blackAndWhite ? 1 : 8,
    width: info.width,
    height: info.height,
  };
}

/** 0/255 pixels as 1 bit each (1 = white), each row padded to a whole byte, as PDF wants them. */
function packBits(pixels: Buffer, width: number, height: number): Buffer {
  const stride = Math.ceil(width / 8);
  const packed = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (pixels[y * width + x] !== 0) packed[y * stride + (x >> 3)]! |= 0x80 >> (x & 7);
  return packed;
}

async function toJpeg(image: sharp.Sharp, kind: string, hasAlpha: boolean): Promise<PageImage> {
  const { data, info } = await (hasAlpha ? image.flatten({ background: '#ffffff' }) : image)
    .jpeg({ quality: 90 })
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw unreadable(kind, error);
    });
  return { format: 'jpeg', bytes: data, width: info.width, height: info.height };
}

/** A BMP as a sharp image (sharp reads no BMP): the decoder the worker read it with. */
function bmpImage(file: Buffer): sharp.Sharp {
  let decoded;
  try {
    decoded = decodeBmp(file);
  } catch (error) {
    throw unreadable('bmp', error);
  }
  const { width, height, channels, data } = decoded;
  return sharp(data, { raw: { width, height, channels } });
}
