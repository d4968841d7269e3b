/**
 * OCR languages in tesseract's form: a language is a traineddata name (`por`, `chi_sim`,
 * `chi_sim_vert`), a set is languages joined by `+` (`por+eng`, the first one leading). jobs-api
 * parses what a client sends with it; the worker reads the stored set back the same way.
 */

/** Most languages in one set: each one loaded makes every page slower to read. */
export const MAX_LANGUAGES = 5;

/** Longest set, in characters (the `languages` columns hold 128). */
export const MAX_LANGUAGES_LENGTH = 64;

/** A traineddata name: three letters, optionally a script or variant (`chi_sim`, `aze_cyrl`, `chi_sim_vert`). */
const LANGUAGE_CODE = /^[a-z]{3}(?:_[a-z]{3,4}){0,2}$/;

/**
 * English names of the languages tesseract has models for (tessdata_fast / tessdata_best), for the
 * ones people commonly scan. A language missing here still works; it is listed under its code.
 */
export const LANGUAGE_NAMES: Readonly<Record<string, string>> = {
  afr: 'Afrikaans',
  ara: 'Arabic',
  aze: 'Azerbaijani',
  bel: 'Belarusian',
  ben: 'Bengali',
  bul: 'Bulgarian',
  cat: 'Catalan',
  ces: 'Czech',
  chi_sim: 'Chinese (Simplified)',
  chi_tra: 'Chinese (Traditional)',
  cym: 'Welsh',
  dan: 'Danish',
  deu: 'German',
  ell: 'Greek',
  eng: 'English',
  est: 'Estonian',
  eus: 'Basque',
  fas: 'Persian',
  fin: 'Finnish',
  fra: 'French',
  gle: 'Irish',
  glg: 'Galician',
  heb: 'Hebrew',
  hin: 'Hindi',
  hrv: 'Croatian',
  hun: 'Hungarian',
  ind: 'Indonesian',
  isl: 'Icelandic',
  ita: 'Italian',
  jpn: 'Japanese',
  kor: 'Korean',
  lat: 'Latin',
  lav: 'Latvian',
  lit: 'Lithuanian',
  msa: 'Malay',
  nld: 'Dutch',
  nor: 'Norwegian',
  pol: 'Polish',
  por: 'Portuguese',
  ron: 'Romanian',
  rus: 'Russian',
  slk: 'Slovak',
  slv: 'Slovenian',
  spa: 'Spanish',
  sqi: 'Albanian',
  srp: 'Serbian',
  swa: 'Swahili',
  swe: 'Swedish',
  tam: 'Tamil',
  tha: 'Thai',
  tur: 'Turkish',
  ukr: 'Ukrainian',
  urd: 'Urdu',
  vie: 'Vietnamese',
};

/** The English name of a language, or its code when the catalog does not know it. */
export const languageName = (code: string): string => LANGUAGE_NAMES[code] ?? code;

/** tessdata files that are not languages to read text in (orientation detection, math). */
export const NON_TEXT_MODELS: readonly string[] = ['osd', 'equ'];

export type LanguagesParse = { ok: true; languages: string[] } | { ok: false; message: string };

/**
 * Parses a set such as `por+eng` (case and surrounding spaces forgiven). The message of a failure
 * says what is wrong and shows the expected form.
 */
export function parseLanguages(input: string): LanguagesParse {
  const text = input.trim().toLowerCase();
  const fail = (why: string): LanguagesParse => ({
    ok: false,
    message: `${why}: expected tesseract language codes joined by "+", e.g. "por" or "por+eng"`,
  });
  if (text === '') return fail('languages is empty');
  if (text.length > MAX_LANGUAGES_LENGTH)
    return fail(`languages is longer than ${MAX_LANGUAGES_LENGTH} characters`);
  const languages = text.split('+');
  if (languages.length > MAX_LANGUAGES) return fail(`more than ${MAX_LANGUAGES} languages`);
  const bad = languages.find((code) => !LANGUAGE_CODE.test(code));
  if (bad !== undefined)
    return fail(bad === '' ? 'an empty language code' : `"${bad}" is not a language code`);
  const twice = languages.find((code, i) => languages.indexOf(code) !== i);
  if (twice !== undefined) return fail(`"${twice}" is listed twice`);
  return { ok: true, languages };
}

/** The codes of a set that was already validated (a stored `por+eng`). */
export const splitLanguages = (set: string): string[] => set.split('+');
