/** Levenshtein distance of two texts after collapsing whitespace: the one measure of OCR accuracy. */
export function editDistance(actual: string, expected: string): number {
  const a = collapse(actual);
  const b = collapse(expected);
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return d[b.length]!;
}

/** Character error rate: edit distance / length of the truth. */
export function characterErrorRate(actual: string, truth: string): number {
  return editDistance(actual, truth) / Math.max(collapse(truth).length, 1);
}

/** Similarity 0-1 (1 - edit distance / the longer text's length). */
export function similarity(actual: string, expected: string): number {
  return 1 - editDistance(actual, expected) / Math.max(collapse(actual).length, collapse(expected).length, 1);
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
