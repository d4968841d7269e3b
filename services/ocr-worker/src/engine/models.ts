import fs from 'node:fs';
import path from 'node:path';
import { ModelMissingError } from '../errors';

/**
 * `best`: eng best_int from @tesseract.js-data/eng (an npm package, so it is in every image).
 * `fast`: tesseract's fast model, from a tessdata directory (Debian's tesseract-ocr-eng ships it at
 * /usr/share/tesseract-ocr/5/tessdata): about twice as fast, a little less accurate.
 */
export type OcrModel = 'best' | 'fast';

export const OCR_MODELS = ['best', 'fast'] as const;

/** Where Debian's tesseract-ocr-eng puts the fast model. */
export const DEFAULT_TESSDATA_DIR = '/usr/share/tesseract-ocr/5/tessdata';

const BEST_LANG_PATH = path.join(
  path.dirname(require.resolve('@tesseract.js-data/eng/package.json')),
  '4.0.0_best_int',
);

/** Where tesseract.js reads `eng.traineddata` (gzipped for best, plain for fast). */
export function modelLangPath(model: OcrModel, tessdataDir: string): string {
  return model === 'best' ? BEST_LANG_PATH : tessdataDir;
}

export function modelFile(model: OcrModel, tessdataDir: string): string {
  return path.join(
    modelLangPath(model, tessdataDir),
    model === 'best' ? 'eng.traineddata.gz' : 'eng.traineddata',
  );
}

/** Fails at start-up, with the path and the fix, when the chosen model is not there. */
export function checkModel(model: OcrModel, tessdataDir: string): void {
  const file = modelFile(model, tessdataDir);
  if (fs.existsSync(file)) return;
  throw new ModelMissingError(
    model === 'fast'
      ? `OCR_MODEL=fast needs ${file}: install Debian's tesseract-ocr-eng or set OCR_TESSDATA_DIR to a directory holding tesseract's fast eng.traineddata`
      : `OCR_MODEL=best needs ${file}: the @tesseract.js-data/eng package is missing`,
  );
}
