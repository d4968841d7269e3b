import { languageName, MAX_LANGUAGES, parseLanguages } from '../../src/languages';

describe('parseLanguages', () => {
  it.each([
    ['por', ['por']],
    ['por+eng', ['por', 'eng']],
    [' POR+Eng ', ['por', 'eng']],
    ['chi_sim', ['chi_sim']],
    ['chi_sim_vert+eng', ['chi_sim_vert', 'eng']],
  ])('reads %j', (input, languages) => {
    expect(parseLanguages(input)).toEqual({ ok: true, languages });
  });

  it.each([
    ['', /languages is empty/],
    ['por,eng', /"por,eng" is not a language code/],
    ['por++eng', /an empty language code/],
    ['portuguese', /"portuguese" is not a language code/],
    ['../etc', /is not a language code/],
    ['por+por', /"por" is listed twice/],
    [
      Array.from({ length: MAX_LANGUAGES + 1 }, (_, i) => `l${String.fromCharCode(97 + i)}a`).join('+'),
      /more than 5 languages/,
    ],
    ['eng+'.repeat(20) + 'eng', /longer than 64 characters/],
  ])('refuses %j saying why and what is expected', (input, why) => {
    const parsed = parseLanguages(input);

    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.message).toMatch(why);
    expect(parsed.message).toMatch(/e\.g\. "por" or "por\+eng"/);
  });

  it('names languages in English, and an unknown one by its code', () => {
    expect(languageName('por')).toBe('Portuguese');
    expect(languageName('chi_sim')).toBe('Chinese (Simplified)');
    expect(languageName('grc')).toBe('grc');
  });
});
