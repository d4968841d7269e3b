/** One page ready for OCR: an upright-by-EXIF, greyscale PNG. */
export interface RasterPage {
  /** 1-based page number. */
  page: number;
  width: number;
  height: number;
  png: Buffer;
}

export interface InputLimits {
  /** Largest page in pixels (width × height). */
  maxPixels: number;
  maxPages: number;
  /** Resolution for PDF rasterisation. */
  pdfDpi: number;
}
