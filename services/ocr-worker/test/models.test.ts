import { DEFAULT_TESSDATA_DIR } from '../src/engine/models';
import { TesseractEngine } from '../src/engine/tesseract-engine';
import { TesseractPool } from '../src/engine/tesseract-pool';
import { renderText } from '@ocr-jobs/testing';
import { SENTENCE, similarity } from './support/images';
import { testLogger } from './support/logger';

describe('OCR model choice', () => {
  // Needs Debian's tesseract-ocr-eng (the fast model), installed on the development and CI machines.
  it('reads a sentence with the fast model from the tessdata directory', async () => {
    const pool = new TesseractPool({
      size: 1,
      maxJobsPerWorker: 10,
      maxRssBytes: 8 * 1024 ** 3,
      logger: testLogger(),
      model: 'fast',
      tessdataDir: DEFAULT_TESSDATA_DIR,
    });
    const engine = new TesseractEngine({
      pool,
      limits: { maxPixels: 20_000_000, maxPages: 10, pdfDpi: 150 },
      rotationMinConfidence: 60,
    });
    try {
      const result = await engine.recognize(await renderText(SENTENCE), new AbortController().signal);

      expect(pool.languages.find((l) => l.code === 'eng')?.model).toBe('fast');
      expect(similarity(result.text, SENTENCE)).toBeGreaterThan(0.9);
    } finally {
      await engine.close();
    }
  });
});
