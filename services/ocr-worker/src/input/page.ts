import type { OcrResultPage } from '@ocr-jobs/contracts';
import type { GreyRaster } from './grey-raster';

/** One page for OCR: upright greyscale pixels. */
export interface RasterPage extends GreyRaster {
  kind: 'image';
  /** 1-based page number. */
  page: number;
  /** Pixels per inch: the raster's for a PDF page, else the image's declared density ({@link imageDpi}). */
  dpi: number;
}

/** A born-digital PDF page, read from its text layer: no OCR needed. */
export interface TextLayerPage {
  kind: 'text';
  page: number;
  /** In pixels at the configured PDF resolution, like a rasterised page, so boxes compare. */
  width: number;
  height: number;
  /** The configured PDF resolution the width and height are given at. */
  dpi: number;
  text: string;
  lines: OcrResultPage['lines'];
}

/** An image's resolution: its declared density, else 300 dpi, the usual scanning resolution (the result contract says so). */
export function imageDpi(density: number | undefined): number {
  return density !== undefined && density > 0 ? density : 300;
}

export type InputPage = RasterPage | TextLayerPage;

export interface InputLimits {
  /** Largest page in pixels (width × height). */
  maxPixels: number;
  maxPages: number;
  /** Resolution for PDF rasterisation. */
  pdfDpi: number;
}
