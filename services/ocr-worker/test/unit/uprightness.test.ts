import { uprightness } from '../../src/engine/tesseract-engine';

describe('uprightness', () => {
  it('scores a sideways line read as symbols far below a noisy upright page, whatever their confidence', () => {
    // Both readings are from real tesseract.js runs (e2e sideways line; the bench's noisy invoice).
    const sideways = { confidence: 59, text: 'lw) [=X = [+] < 3 1 S @ — S = = [] = 2 @ = I<] c @ @' };
    const noisyUpright = {
      confidence: 52,
      text: 'INVOICE No. 2024-0917 Example Trading Ltd, 14 Harbour Road, Bristol BSI 5TT Qty Descr1ption',
    };

    expect(uprightness(sideways)).toBeLessThan(15);
    expect(uprightness(noisyUpright)).toBeGreaterThan(40);
  });

  it('counts words of any script with their punctuation, and numbers with separators', () => {
    expect(uprightness({ confidence: 80, text: '"Ação", São Paulo: 1.250,00 (2024-09-17) über' })).toBe(80);
    expect(uprightness({ confidence: 90, text: '' })).toBe(0);
  });
});
