/** What a reprocess changes about how its item is read; absent fields keep the item's own. */
export interface ReprocessOptions {
  /** Tesseract's form, normalised: `por`, `por+eng`. */
  languages?: string | undefined;
  /** Normalised page range (`1-3,7`); null reads every page again. */
  pages?: string | null | undefined;
}
