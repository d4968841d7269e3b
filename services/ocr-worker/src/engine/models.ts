import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadableLanguage, OcrModel } from '@ocr-jobs/runtime';

// The models and where they come from are decided in @ocr-jobs/runtime (ocr-languages), which
// jobs-api reads too; re-exported for the bench and the tests.
export { DEFAULT_TESSDATA_DIR, OCR_MODELS, type OcrModel } from '@ocr-jobs/runtime';

const BEST_ENG_LANG_PATH = path.join(
  path.dirname(require.resolve('@tesseract.js-data/eng/package.json')),
  '4.0.0_best_int',
);

/** Where tesseract.js reads `eng.traineddata` (gzipped for best, plain for fast): the bench's bare runs. */
export function modelLangPath(model: OcrModel, tessdataDir: string): string {
  return model === 'best' ? BEST_ENG_LANG_PATH : tessdataDir;
}

/**
 * One directory holding every language as `<code>.traineddata`, a symlink to its model file, so a
 * tesseract.js worker reads any language set from one `langPath`: npm's best models are gzipped and
 * tessdata's fast ones plain, and tesseract.js tells them apart by their first bytes, not their name.
 * Made once per process (a few symlinks) and removed with the pool.
 */
export class LanguageDirectory {
  private constructor(readonly path: string) {}

  static create(languages: readonly LoadableLanguage[]): LanguageDirectory {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ocr-languages-'));
    for (const language of languages)
      fs.symlinkSync(language.file, path.join(dir, `${language.code}.traineddata`));
    return new LanguageDirectory(dir);
  }

  remove(): void {
    fs.rmSync(this.path, { recursive: true, force: true });
  }
}
