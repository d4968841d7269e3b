import { z } from 'zod';

const bbox = z.object({ x0: z.number(), y0: z.number(), x1: z.number(), y1: z.number() });

/** Ids as in the page's hOCR (see page-hocr.ts); absent in results stored before they existed. */
const word = z.object({
  id: z.string().optional().describe('word_{page}_{line}_{word}, the id of this word in the hOCR'),
  text: z.string(),
  confidence: z.number(),
  bbox,
});

const line = z.object({
  id: z.string().optional().describe('line_{page}_{line}, the id of this line in the hOCR'),
  text: z.string(),
  confidence: z.number(),
  bbox,
  words: z.array(word),
});

const page = z.object({
  /** 1-based page number (TIFF frame or PDF page). */
  page: z.number().int().min(1),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  /**
   * Resolution of the image that was read, in pixels per inch (the raster's dpi for PDF pages, the
   * file's own density for images, 300 when an image declares none). Absent in older results.
   */
  dpi: z
    .number()
    .positive()
    .optional()
    .describe(
      'Pixels per inch of the image read: the raster dpi for PDF pages, the declared density for images (300 when none)',
    ),
  /** Degrees the page was turned to read it upright (0, 90, 180, 270). */
  rotation: z.number(),
  text: z.string(),
  confidence: z.number(),
  lines: z.array(line),
  /**
   * The page's hOCR (a `div class="ocr_page"`), or null when the engine has none. Its ids are unique in
   * the item (`page_3`, `line_3_2`, `word_3_2_5`) and its title gives `ppageno` (page - 1) and
   * `scan_res` (dpi); results stored before that number every page as page 1 (see page-hocr.ts).
   */
  hocr: z.string().nullable(),
  /**
   * How the page was read: OCR of its image, or a born-digital PDF page's own text layer. Absent in
   * results stored before it existed (those pages were all OCRed).
   */
  source: z.enum(['ocr', 'text-layer']).optional(),
});

/**
 * The structured result of one item, stored by ocr-worker at `results/{job_id}/{item_id}.json` and
 * served by jobs-api at `GET /api/jobs/{id}/items/{item_id}?format=json|txt|hocr|alto`.
 */
export const ocrResultSchema = z.object({
  job_id: z.uuid(),
  item_id: z.uuid(),
  engine: z.string(),
  /** The languages the item was read with, in tesseract's form (`por+eng`). Absent in older results. */
  languages: z.string().optional(),
  /** Pages joined by a form feed (\f), as in `job_items.ocr_text`. */
  text: z.string(),
  /** Mean confidence 0-100 over the pages. */
  confidence: z.number(),
  pages: z.array(page),
  created_at: z.iso.datetime({ offset: true }),
});

export type OcrResult = z.infer<typeof ocrResultSchema>;
export type OcrResultPage = z.infer<typeof page>;

export const resultKey = (jobId: string, itemId: string) => `results/${jobId}/${itemId}.json`;
