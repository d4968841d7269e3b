import {
  normalisePageRange,
  PAGE_RANGE_MAX_LENGTH,
  PageRangeError,
  parsePageRange,
  selectedPages,
} from '../../src';

describe('parsePageRange', () => {
  it.each([
    ['1', '1'],
    ['1-3,7', '1-3,7'],
    [' 7 , 1 - 2, 3 ', '1-3,7'],
    ['2-4,3-6', '2-6'],
    ['5,5,5', '5'],
    ['10-12,1', '1,10-12'],
    ['3-3', '3'],
  ])('reads "%s" as %s', (text, normalised) => {
    expect(normalisePageRange(text)).toBe(normalised);
  });

  it('gives sorted, merged spans', () => {
    expect(parsePageRange('9, 1-3, 4, 7-8')).toEqual([
      [1, 4],
      [7, 9],
    ]);
  });

  it.each([
    ['', /empty/],
    ['  ', /empty/],
    ['0', /count from 1/],
    ['1-0', /count from 1/],
    ['3-1', /"3-1" runs backwards; write "1-3"/],
    ['a', /"a" is not a page or a range/],
    ['1,,2', /"" is not a page/],
    ['1-', /"1-" is not/],
    ['-2', /"-2" is not/],
    ['1.5', /"1.5" is not/],
    ['1-3-5', /"1-3-5" is not/],
    ['100001', /go up to 100000/],
    ['1,'.repeat(101), new RegExp(`longer than ${PAGE_RANGE_MAX_LENGTH}`)],
  ])('refuses "%s" with a clear message', (text, message) => {
    expect(() => parsePageRange(text)).toThrow(PageRangeError);
    expect(() => parsePageRange(text)).toThrow(message);
  });
});

describe('selectedPages', () => {
  it('keeps the pages that exist, in order', () => {
    expect(selectedPages(parsePageRange('2-3,7'), 4)).toEqual([2, 3]);
    expect(selectedPages(parsePageRange('9'), 4)).toEqual([]);
    expect(selectedPages(null, 3)).toEqual([1, 2, 3]);
  });
});
