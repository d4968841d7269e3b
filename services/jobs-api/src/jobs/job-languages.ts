import { parseLanguages } from '@ocr-jobs/contracts';
import type { OcrLanguage } from '@ocr-jobs/runtime';
import { ApiError, badRequest } from '../http/api-error';

/**
 * The languages a new job is read with, in tesseract's form: what the client sent, or the default.
 * A malformed set is 400 INVALID_LANGUAGES; a language the workers cannot read is 422
 * UNSUPPORTED_LANGUAGE naming the ones they can, so no job is accepted that would fail for it later.
 */
export function jobLanguages(
  requested: string | undefined,
  available: readonly OcrLanguage[],
  defaults: string,
): string {
  if (requested === undefined) return defaults;
  const parsed = parseLanguages(requested);
  if (!parsed.ok) throw badRequest('INVALID_LANGUAGES', `languages: ${parsed.message}`);
  const unknown = parsed.languages.filter((code) => !available.some((l) => l.code === code));
  if (unknown.length > 0)
    throw new ApiError(
      422,
      'UNSUPPORTED_LANGUAGE',
      `languages: no OCR model for ${unknown.join(', ')}; available: ${available.map((l) => l.code).join(', ')} (GET /api/languages)`,
    );
  return parsed.languages.join('+');
}
