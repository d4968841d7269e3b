import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ConfigError,
  declaredLanguages,
  defineConfig,
  discoverLanguages,
  loadableLanguages,
  loadConfig,
  NPM_LANGUAGE_DATA,
  ocrLanguageConfigFields,
} from '../../src';

const schema = defineConfig(ocrLanguageConfigFields);

/** A tessdata directory holding fast models (empty files do: only their presence is looked at). */
function tessdata(...codes: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessdata-'));
  for (const code of codes) fs.writeFileSync(path.join(dir, `${code}.traineddata`), '');
  return dir;
}

describe('OCR language settings', () => {
  it('defaults to eng, the best models and the machine’s languages', () => {
    const config = loadConfig(schema, {});

    expect(config.OCR_DEFAULT_LANGUAGES).toBe('eng');
    expect(config.OCR_LANGUAGES).toBeUndefined();
    expect(config.OCR_MODEL).toBe('best');
    expect(config.OCR_TESSDATA_DIR).toBe('/usr/share/tesseract-ocr/5/tessdata');
  });

  it('reads a comma-separated list and a default set in tesseract’s form', () => {
    const config = loadConfig(schema, {
      OCR_LANGUAGES: 'eng, POR,spa,por',
      OCR_DEFAULT_LANGUAGES: 'Por+Eng',
    });

    expect(config.OCR_LANGUAGES).toEqual(['eng', 'por', 'spa']);
    expect(config.OCR_DEFAULT_LANGUAGES).toBe('por+eng');
  });

  it('names each bad value in one line', () => {
    expect(() => loadConfig(schema, { OCR_LANGUAGES: 'eng,por+spa' })).toThrow(
      /OCR_LANGUAGES: "por\+spa" is not a language code/,
    );
    expect(() => loadConfig(schema, { OCR_DEFAULT_LANGUAGES: 'por,eng' })).toThrow(
      /OCR_DEFAULT_LANGUAGES: .*not a language code/,
    );
  });
});

describe('OCR languages available', () => {
  it('keeps the npm language list equal to the worker’s @tesseract.js-data dependencies', () => {
    const worker = JSON.parse(
      fs.readFileSync(path.join(__dirname, '../../../../services/ocr-worker/package.json'), 'utf8'),
    ) as { dependencies: Record<string, string> };
    const packaged = Object.keys(worker.dependencies)
      .filter((name) => name.startsWith('@tesseract.js-data/'))
      .map((name) => name.slice('@tesseract.js-data/'.length))
      .filter((code) => code !== 'osd');

    expect([...NPM_LANGUAGE_DATA].sort()).toEqual(packaged.sort());
  });

  it('finds npm’s best models and the tessdata directory’s fast ones, skipping osd and equ', () => {
    const dir = tessdata('eng', 'spa', 'chi_sim', 'osd', 'equ');

    const found = discoverLanguages({ OCR_MODEL: 'best', OCR_TESSDATA_DIR: dir });

    expect(found.map(({ code, name, model }) => [code, name, model])).toEqual([
      ['chi_sim', 'Chinese (Simplified)', 'fast'],
      ['eng', 'English', 'best'],
      ['fra', 'French', 'best'],
      ['por', 'Portuguese', 'best'],
      ['spa', 'Spanish', 'fast'],
    ]);
    expect(found.find((l) => l.code === 'por')?.file).toMatch(
      /@tesseract\.js-data\/por\/4\.0\.0_best_int\/por\.traineddata\.gz$/,
    );
    expect(found.find((l) => l.code === 'spa')?.file).toBe(path.join(dir, 'spa.traineddata'));
  });

  it('reads every language from the tessdata directory with OCR_MODEL=fast', () => {
    const dir = tessdata('eng', 'por');

    const found = discoverLanguages({ OCR_MODEL: 'fast', OCR_TESSDATA_DIR: dir });

    expect(found.map((l) => `${l.code}:${l.model}`)).toEqual(['eng:fast', 'por:fast']);
  });

  it('tells jobs-api the listed languages and their models without having the models', () => {
    const declared = declaredLanguages({
      OCR_LANGUAGES: ['eng', 'por', 'deu'],
      OCR_DEFAULT_LANGUAGES: 'eng',
      OCR_MODEL: 'best',
      OCR_TESSDATA_DIR: '/nowhere',
    });

    expect(declared).toEqual([
      { code: 'eng', name: 'English', model: 'best' },
      { code: 'por', name: 'Portuguese', model: 'best' },
      { code: 'deu', name: 'German', model: 'fast' },
    ]);
  });

  it('refuses to start a worker without a listed language’s model, naming the file and the package', () => {
    const dir = tessdata('spa');
    const load = () =>
      loadableLanguages({
        OCR_LANGUAGES: ['eng', 'spa', 'deu', 'chi_sim'],
        OCR_DEFAULT_LANGUAGES: 'eng',
        OCR_MODEL: 'best',
        OCR_TESSDATA_DIR: dir,
      });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      `OCR_LANGUAGES: no model for deu (${dir}/deu.traineddata: Debian's tesseract-ocr-deu), chi_sim (${dir}/chi_sim.traineddata: Debian's tesseract-ocr-chi-sim)`,
    );
  });

  it('asks for OCR_LANGUAGES where there is neither the list nor a model (a jobs-api container)', () => {
    expect(() =>
      declaredLanguages({ OCR_DEFAULT_LANGUAGES: 'eng', OCR_MODEL: 'fast', OCR_TESSDATA_DIR: '/nowhere' }),
    ).toThrow('OCR_LANGUAGES: not set, and no OCR model on this machine to find the languages from');
  });

  it('refuses a default set that is not among the languages', () => {
    expect(() =>
      declaredLanguages({
        OCR_LANGUAGES: ['eng'],
        OCR_DEFAULT_LANGUAGES: 'por+eng',
        OCR_MODEL: 'best',
        OCR_TESSDATA_DIR: '/nowhere',
      }),
    ).toThrow('OCR_DEFAULT_LANGUAGES: por not among the available languages (eng)');
  });
});
