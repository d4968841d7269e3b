import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { languageName, NON_TEXT_MODELS, parseLanguages, splitLanguages } from '@ocr-jobs/contracts';
import { ConfigError } from '../errors';

/**
 * Which OCR languages there are and where their models come from. jobs-api asks it what the workers
 * can read (to refuse a job it could not do, and for GET /api/languages); the worker asks it which
 * file to load for each language.
 *
 * - `best`: tesseract's best_int model from an `@tesseract.js-data/<code>` npm package, so it is in
 *   every image (those in {@link NPM_LANGUAGE_DATA}).
 * - `fast`: tesseract's fast model from a tessdata directory (Debian's `tesseract-ocr-<code>` packages
 *   install them in /usr/share/tesseract-ocr/5/tessdata): about twice as fast, a little less accurate.
 *
 * With OCR_MODEL=best a language without an npm package is read with its `fast` model.
 */
export type OcrModel = 'best' | 'fast';

export const OCR_MODELS = ['best', 'fast'] as const;

/** Where Debian's tesseract-ocr-<lang> packages put the fast models. */
export const DEFAULT_TESSDATA_DIR = '/usr/share/tesseract-ocr/5/tessdata';

/**
 * Languages whose `@tesseract.js-data/<code>` package the ocr-worker depends on (its package.json; a
 * test keeps the two equal). A list, not a look into node_modules, because jobs-api must tell the
 * same models without having them.
 */
export const NPM_LANGUAGE_DATA: readonly string[] = ['eng', 'fra', 'por'];

export interface OcrLanguage {
  code: string;
  /** English name (the code when the catalog does not know it). */
  name: string;
  model: OcrModel;
}

/** A language this machine can load, and the file its model is read from (gzipped or plain). */
export interface LoadableLanguage extends OcrLanguage {
  file: string;
}

/** Settings both services read (one schema fragment, so both default alike). */
export const ocrLanguageConfigFields = {
  /**
   * The languages the workers can read, comma-separated (`eng,por,spa`). Unset: what this machine has
   * (npm packages and OCR_TESSDATA_DIR), fine when API and worker share it (npm start); in AWS the API
   * has no models, so infra passes the list to both and the worker refuses to start without one of them.
   */
  OCR_LANGUAGES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      const codes = value
        .split(',')
        .map((code) => code.trim().toLowerCase())
        .filter(Boolean);
      for (const code of codes) {
        const parsed = parseLanguages(code);
        if (!parsed.ok || parsed.languages.length !== 1) {
          ctx.addIssue({
            code: 'custom',
            message: `"${code}" is not a language code: expected e.g. eng,por,chi_sim`,
          });
          return z.NEVER;
        }
      }
      return [...new Set(codes)];
    }),
  /** Languages of a job that names none, in tesseract's form (`eng`, `por+eng`). */
  OCR_DEFAULT_LANGUAGES: z
    .string()
    .default('eng')
    .transform((value, ctx) => {
      const parsed = parseLanguages(value);
      if (parsed.ok) return parsed.languages.join('+');
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    }),
  /** `best`: best_int models from npm where there is a package; `fast`: the tessdata directory's models. */
  OCR_MODEL: z.enum(OCR_MODELS, { message: 'expected best or fast' }).default('best'),
  /** Directory of tesseract's fast models (`<code>.traineddata`), e.g. Debian's tesseract-ocr-<code>. */
  OCR_TESSDATA_DIR: z.string().min(1).default(DEFAULT_TESSDATA_DIR),
};

export interface OcrLanguageSettings {
  OCR_LANGUAGES?: string[] | undefined;
  OCR_DEFAULT_LANGUAGES: string;
  OCR_MODEL: OcrModel;
  OCR_TESSDATA_DIR: string;
}

/** The model a language is read with: `best` only where an npm package has it. */
export function languageModel(code: string, model: OcrModel): OcrModel {
  return model === 'best' && NPM_LANGUAGE_DATA.includes(code) ? 'best' : 'fast';
}

function npmModelFile(code: string): string | undefined {
  try {
    const pkg = require.resolve(`@tesseract.js-data/${code}/package.json`);
    return path.join(path.dirname(pkg), '4.0.0_best_int', `${code}.traineddata.gz`);
  } catch {
    return undefined;
  }
}

/** Where a language's model is on this machine, or undefined when it is not there. */
export function findLanguage(
  code: string,
  settings: Pick<OcrLanguageSettings, 'OCR_MODEL' | 'OCR_TESSDATA_DIR'>,
): LoadableLanguage | undefined {
  const model = languageModel(code, settings.OCR_MODEL);
  const file =
    model === 'best' ? npmModelFile(code) : path.join(settings.OCR_TESSDATA_DIR, `${code}.traineddata`);
  if (file === undefined || !fs.existsSync(file)) return undefined;
  return { code, name: languageName(code), model, file };
}

/** Every language this machine has: the npm packages and the tessdata directory's models. */
export function discoverLanguages(
  settings: Pick<OcrLanguageSettings, 'OCR_MODEL' | 'OCR_TESSDATA_DIR'>,
): LoadableLanguage[] {
  let tessdata: string[] = [];
  try {
    tessdata = fs
      .readdirSync(settings.OCR_TESSDATA_DIR)
      .filter((name) => name.endsWith('.traineddata'))
      .map((name) => name.slice(0, -'.traineddata'.length));
  } catch {
    // No tessdata directory: the npm packages only.
  }
  const codes = [...new Set([...NPM_LANGUAGE_DATA, ...tessdata])]
    .filter((code) => !NON_TEXT_MODELS.includes(code))
    .filter((code) => {
      const parsed = parseLanguages(code);
      return parsed.ok && parsed.languages.length === 1;
    })
    .sort();
  return codes.flatMap((code) => findLanguage(code, settings) ?? []);
}

function requireDefaults(settings: OcrLanguageSettings, available: readonly OcrLanguage[]): void {
  const missing = splitLanguages(settings.OCR_DEFAULT_LANGUAGES).filter(
    (code) => !available.some((l) => l.code === code),
  );
  if (missing.length > 0) {
    const line =
      available.length === 0
        ? 'OCR_LANGUAGES: not set, and no OCR model on this machine to find the languages from: set it to what the workers read (e.g. eng,por)'
        : `OCR_DEFAULT_LANGUAGES: ${missing.join(', ')} not among the available languages (${available.map((l) => l.code).join(', ')})`;
    throw new ConfigError(`invalid configuration: ${line}`, [line]);
  }
}

/**
 * jobs-api: the languages the workers can read. OCR_LANGUAGES when set (AWS: the API image has no
 * models, so the models are told by {@link languageModel}); otherwise what this machine has.
 */
export function declaredLanguages(settings: OcrLanguageSettings): OcrLanguage[] {
  const languages = settings.OCR_LANGUAGES
    ? settings.OCR_LANGUAGES.map((code) => ({
        code,
        name: languageName(code),
        model: languageModel(code, settings.OCR_MODEL),
      }))
    : discoverLanguages(settings).map(({ code, name, model }) => ({ code, name, model }));
  requireDefaults(settings, languages);
  return languages;
}

/**
 * ocr-worker: every language it promises, each with its model file. Throws a ConfigError naming the
 * missing files and the fix when OCR_LANGUAGES lists one this machine cannot load.
 */
export function loadableLanguages(settings: OcrLanguageSettings): LoadableLanguage[] {
  if (!settings.OCR_LANGUAGES) {
    const found = discoverLanguages(settings);
    requireDefaults(settings, found);
    return found;
  }
  const found = settings.OCR_LANGUAGES.map((code) => findLanguage(code, settings) ?? code);
  const missing = found.filter((entry): entry is string => typeof entry === 'string');
  if (missing.length > 0) {
    const where = missing
      .map((code) =>
        languageModel(code, settings.OCR_MODEL) === 'best'
          ? `${code} (npm package @tesseract.js-data/${code})`
          : `${code} (${path.join(settings.OCR_TESSDATA_DIR, `${code}.traineddata`)}: Debian's tesseract-ocr-${code.replace(/_/g, '-')})`,
      )
      .join(', ');
    const line = `OCR_LANGUAGES: no model for ${where}`;
    throw new ConfigError(`invalid configuration: ${line}`, [line]);
  }
  const languages = found as LoadableLanguage[];
  requireDefaults(settings, languages);
  return languages;
}
