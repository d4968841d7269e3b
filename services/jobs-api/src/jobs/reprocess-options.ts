import { ApiError } from '../http/api-error';

/** What a reprocess changes about how its item is read; absent fields keep the item's own. */
export interface ReprocessOptions {
  /** Tesseract's form: `por`, `por+eng`. */
  languages?: string | undefined;
  /** `1-3,7`; null reads every page again. */
  pages?: string | null | undefined;
}

const LANGUAGES = /^[a-z][a-z0-9_]{1,31}(\+[a-z][a-z0-9_]{1,31})*$/i;
const PAGE_RANGE = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/**
 * Checks the `languages` and `pages` of a reprocess request.
 *
 * TODO(merge): a basic syntax check only, so this branch stands on its own. At merge the lead swaps
 * in the real validators of issue 14: the languages one (422 UNSUPPORTED_LANGUAGE naming the
 * languages the workers can read) and the page-range parser (and whether the item's type has pages).
 */
export function checkReprocessOptions(options: ReprocessOptions): ReprocessOptions {
  if (options.languages !== undefined && !LANGUAGES.test(options.languages))
    throw new ApiError(
      422,
      'UNSUPPORTED_LANGUAGE',
      `languages "${options.languages}" is not in tesseract's form, e.g. "por" or "por+eng"`,
    );
  if (typeof options.pages === 'string') {
    const valid =
      PAGE_RANGE.test(options.pages) &&
      options.pages.split(',').every((part) => {
        const [from, to = from] = part.split('-').map(Number);
        return from! >= 1 && from! <= to!;
      });
    if (!valid)
      throw new ApiError(
        400,
        'INVALID_PAGES',
        `pages "${options.pages}" is not a page range like "1-3,7" (pages count from 1)`,
      );
  }
  return options;
}
