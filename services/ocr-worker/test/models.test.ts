import { checkModel, DEFAULT_TESSDATA_DIR } from '../src/engine/models';
import { TesseractEngine } from '../src/engine/tesseract-engine';
import { TesseractPool } from '../src/engine/tesseract-pool';
import { ModelMissingError } from '../src/errors';
import { renderText } from '@ocr-jobs/testing';
import { SENTENCE, similarity } from './support/images';
import { testLogger } from './support/logger';

describe('OCR model choice', () => {
  it('accepts best from node_modules', () => {
    expect(() => checkModel('best', '/nowhere')).not.toThrow();
  });

  it('refuses to start with fast when the tessdata directory has no eng model, naming the path and the fix', () => {
    // Act
    const check = () => checkModel('fast', '/nowhere/tessdata');

    // Assess
    expect(check).toThrow(ModelMissingError);
    expect(check).toThrow(/\/nowhere\/tessdata\/eng\.traineddata.*tesseract-ocr-eng.*OCR_TESSDATA_DIR/);
  });

  // Needs Debian's tesseract-ocr-eng (the fast model), installed on the development and CI machines.
  it('reads a sentence with the fast model from the tessdata directory', async () => {
    const engine = new TesseractEngine({
      pool: new TesseractPool({
        size: 1,
        maxJobsPerWorker: 10,
        maxRssBytes: 8 * 1024 ** 3,
        logger: testLogger(),
        model: 'fast',
        tessdataDir: DEFAULT_TESSDATA_DIR,
      }),
      limits: { maxPixels: 20_000_000, maxPages: 10, pdfDpi: 150 },
      rotationMinConfidence: 60,
    });
    try {
      const result = await engine.recognize(await renderText(SENTENCE), new AbortController().signal);

      expect(similarity(result.text, SENTENCE)).toBeGreaterThan(0.9);
    } finally {
      await engine.close();
    }
  });
});
