import type { OcrResultPage } from '@ocr-jobs/contracts';

/** One page for OCR: an upright image tesseract reads (a greyscale PNG, or the original JPEG). */
export interface RasterPage {
  kind: 'image';
  /** 1-based page number. */
  page: number;
  width: number;
  height: number;
  /** PNG or JPEG bytes. */
  image: Buffer;
}

/** A born-digital PDF page, read from its text layer: no OCR needed. */
export interface TextLayerPage {
  kind: 'text';
  page: number;
  /** In pixels at the configured PDF resolution, like a rasterised page, so boxes compare. */
  width: number;
  height: number;
  text: string;
  lines: OcrResultPage['lines'];
}

export type InputPage = RasterPage | TextLayerPage;

export interface InputLimits {
  /** Largest page in pixels (width × height). */
  maxPixels: number;
  maxPages: number;
  /** Resolution for PDF rasterisation. */
  pdfDpi: number;
}
