import { loadableLanguages } from '@ocr-jobs/runtime';
import { renderText } from '@ocr-jobs/testing';
import { TesseractEngine } from '../src/engine/tesseract-engine';
import { TesseractPool } from '../src/engine/tesseract-pool';
import { UnsupportedLanguageError } from '../src/errors';
import { testLogger } from './support/logger';

// The page the issue was filed with: English-only OCR read it as "Acao de manutengao: Sao Paulo".
const PORTUGUESE = 'Ação de manutenção: São Paulo, informações';
const SPANISH = 'La niña pidió información en España';

/**
 * Real tesseract.js with por (npm's best_int, gzipped) and spa (Debian's tesseract-ocr-spa fast model
 * in /usr/share/tesseract-ocr/5/tessdata, plain): `.ci/run` installs both packages when missing.
 */
describe('TesseractEngine languages', () => {
  const languages = loadableLanguages({
    OCR_LANGUAGES: ['eng', 'por', 'spa'],
    OCR_DEFAULT_LANGUAGES: 'eng',
    OCR_MODEL: 'best',
    OCR_TESSDATA_DIR: '/usr/share/tesseract-ocr/5/tessdata',
  });
  const pool = new TesseractPool({
    size: 1,
    maxJobsPerWorker: 100,
    maxRssBytes: 8 * 1024 ** 3,
    logger: testLogger(),
    languages,
  });
  const engine = new TesseractEngine({
    pool,
    limits: { maxPixels: 20_000_000, maxPages: 10, pdfDpi: 150 },
    rotationMinConfidence: 60,
  });
  const never = new AbortController().signal;
  let portuguese: Buffer;

  beforeAll(async () => {
    portuguese = await renderText(PORTUGUESE);
  });
  afterAll(() => engine.close());

  it('reads an accented Portuguese page exactly with languages por', async () => {
    const result = await engine.recognize(portuguese, never, { languages: 'por' });

    expect(result.text.trim()).toBe(PORTUGUESE);
  });

  it('reads a set mixing an npm (gzipped) and a tessdata (plain) model in one worker, and switches back to eng', async () => {
    // Arrange
    const spanish = await renderText(SPANISH);
    const switchedBefore = pool.stats.switched;

    // Act
    const mixed = await engine.recognize(spanish, never, { languages: 'spa+por' });
    const english = await engine.recognize(portuguese, never, { languages: 'eng' });

    // Assess
    expect(languages.map((l) => `${l.code}:${l.model}`)).toEqual(['eng:best', 'por:best', 'spa:fast']);
    expect(mixed.text.trim()).toBe(SPANISH);
    // eng has no ã or ç: the same worker really changed its languages.
    expect(english.text).not.toContain('ç');
    expect(pool.stats.switched).toBeGreaterThanOrEqual(switchedBefore + 2);
    expect(pool.stats.created).toBe(1);
  });

  it('fails an item whose language the worker has no model for, naming the ones it has', async () => {
    await expect(engine.recognize(portuguese, never, { languages: 'deu' })).rejects.toThrow(
      UnsupportedLanguageError,
    );
    await expect(engine.recognize(portuguese, never, { languages: 'deu' })).rejects.toThrow(
      /no OCR model for deu on this worker \(it reads eng, por, spa\)/,
    );
  });
});
