import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ocrResultSchema, type OcrResult } from '@ocr-jobs/contracts';
import { descendants, parseXml, type XmlElement } from '@ocr-jobs/testing';
import { altoDocument } from '../../src/results/alto-document';
import { hocrDocument } from '../../src/results/hocr-document';
import before from '../fixtures/result-before-numbering.json';
import numbered from '../fixtures/result-numbered.json';

/**
 * Stored results as the worker wrote them. Before numbering: a 2-page TIFF read by tesseract.js 7
 * (each page `page_1`, `ppageno 0`, `scan_res 70 70`, no dpi) and a text-layer page without hOCR.
 * Numbered: a PDF of a text-layer page and two scans (150 dpi), read by the current worker.
 */
const oldResult: OcrResult = ocrResultSchema.parse(before);
const newResult: OcrResult = ocrResultSchema.parse(numbered);
const FILENAME = 'scan <1> & "co".tif';

const ALTO_DIR = path.join(__dirname, '../fixtures/alto');

/** xmllint against the ALTO 4.4 schema (no network: the XLink import comes from the catalog). */
function validateAlto(document: string): string {
  try {
    return execFileSync('xmllint', ['--noout', '--nonet', '--schema', 'alto-4-4.xsd', '-'], {
      cwd: ALTO_DIR,
      input: document,
      env: { ...process.env, XML_CATALOG_FILES: path.join(ALTO_DIR, 'catalog.xml') },
      stdio: ['pipe', 'pipe', 'pipe'],
    }).toString();
  } catch (error) {
    throw new Error(`ALTO does not validate: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
}

const withClass = (root: XmlElement, cls: string) =>
  descendants(root).filter((e) => e.attributes.class?.split(' ').includes(cls));

const idsOf = (root: XmlElement) =>
  descendants(root)
    .map((e) => e.attributes.id ?? e.attributes.ID)
    .filter((id) => id !== undefined);

describe('hocrDocument', () => {
  it('numbers the pages of a result stored before pages were numbered: valid XHTML, unique ids', () => {
    // Act
    const html = parseXml(hocrDocument(oldResult, FILENAME));

    // Assess
    const ids = idsOf(html);
    expect(ids.length).toBeGreaterThan(20);
    expect(new Set(ids).size).toBe(ids.length);
    expect(withClass(html, 'ocr_page').map((p) => [p.attributes.id, p.attributes.title])).toEqual([
      // No dpi was stored: no scan_res rather than tesseract's guess.
      ['page_1', 'image "scan <1> & _co_.tif"; bbox 0 0 900 200; ppageno 0'],
      ['page_2', 'image "scan <1> & _co_.tif"; bbox 0 0 900 200; ppageno 1'],
      ['page_3', 'image "scan <1> & _co_.tif"; bbox 0 0 876 417; ppageno 2'],
    ]);
    const words = withClass(html, 'ocrx_word');
    expect(words.map((w) => w.attributes.id).slice(0, 2)).toEqual(['word_1_1_1', 'word_1_1_2']);
    expect(words.filter((w) => w.attributes.id!.startsWith('word_2_')).map((w) => w.text)).toEqual(
      oldResult.pages[1]!.lines.flatMap((l) => l.words.map((w) => w.text)),
    );
    // The page without hOCR is built from its lines, its text escaped.
    expect(words.filter((w) => w.attributes.id!.startsWith('word_3_1_')).map((w) => w.text)).toEqual([
      'Typed',
      '<cover>',
      '&',
      'letter',
    ]);
    expect(html.children[0]!.children.find((e) => e.name === 'title')?.text).toBe(FILENAME);
  });

  it("keeps a numbered result's ids and gives each page its scan_res", () => {
    const html = parseXml(hocrDocument(newResult, 'invoice.pdf'));

    const ids = idsOf(html);
    expect(new Set(ids).size).toBe(ids.length);
    expect(withClass(html, 'ocr_page').map((p) => p.attributes.title)).toEqual([
      'image "invoice.pdf"; bbox 0 0 876 417; ppageno 0; scan_res 150 150',
      'image "invoice.pdf"; bbox 0 0 876 417; ppageno 1; scan_res 150 150',
      'image "invoice.pdf"; bbox 0 0 876 417; ppageno 2; scan_res 150 150',
    ]);
    // The JSON lines and words name the hOCR's elements.
    const jsonIds = newResult.pages.flatMap((p) =>
      p.lines.flatMap((l) => [l.id, ...l.words.map((w) => w.id)]),
    );
    expect(jsonIds.every((id) => id !== undefined && ids.includes(id))).toBe(true);
    expect(withClass(html, 'ocr_line').map((l) => l.attributes.id)).toEqual([
      'line_1_1',
      'line_2_1',
      'line_2_2',
      'line_3_1',
    ]);
  });
});

describe('altoDocument', () => {
  it('renders ALTO v4 that validates against the schema, a Page per page with Strings and SPs', () => {
    // Act
    const document = altoDocument(newResult, FILENAME);

    // Assess
    validateAlto(document);
    const alto = parseXml(document);
    expect(alto.name).toBe('alto');
    expect(alto.attributes.xmlns).toBe('http://www.loc.gov/standards/alto/ns-v4#');
    const all = descendants(alto);
    expect(all.find((e) => e.name === 'MeasurementUnit')?.text).toBe('pixel');
    expect(all.find((e) => e.name === 'fileName')?.text).toBe(FILENAME);
    expect(all.find((e) => e.name === 'softwareName')?.text).toBe('tesseract');
    const pages = all.filter((e) => e.name === 'Page');
    expect(pages.map((p) => p.attributes)).toEqual(
      newResult.pages.map((page, i) => ({
        ID: `page_${i + 1}`,
        PHYSICAL_IMG_NR: String(i + 1),
        WIDTH: '876',
        HEIGHT: '417',
        PC: (page.confidence / 100).toFixed(2),
      })),
    );
    const line = all.find((e) => e.attributes.ID === 'line_2_1')!;
    const expected = newResult.pages[1]!.lines[0]!;
    expect(line.children.filter((e) => e.name === 'String').map((s) => s.attributes.CONTENT)).toEqual(
      expected.words.map((w) => w.text),
    );
    // SP between words only.
    expect(line.children.map((e) => e.name)).toEqual(
      expected.words.flatMap((_, i) => (i === 0 ? ['String'] : ['SP', 'String'])),
    );
    const first = line.children[0]!.attributes;
    const { x0, y0, x1, y1 } = expected.words[0]!.bbox;
    expect(first).toMatchObject({
      ID: 'word_2_1_1',
      HPOS: String(x0),
      VPOS: String(y0),
      WIDTH: String(x1 - x0),
      HEIGHT: String(y1 - y0),
      WC: (expected.words[0]!.confidence / 100).toFixed(2),
    });
  });

  it('renders a result stored before pages were numbered, escaping text; a page without lines is empty', () => {
    const mock: OcrResult = {
      ...oldResult,
      engine: 'mock',
      pages: [{ ...oldResult.pages[0]!, lines: [], hocr: null }, oldResult.pages[2]!],
    };

    const documents = [altoDocument(oldResult, 'a.tif'), altoDocument(mock, 'b.tif')];

    for (const document of documents) validateAlto(document);
    const [old, empty] = documents.map((d) => descendants(parseXml(d)));
    const ids = old!.map((e) => e.attributes.ID).filter((id) => id !== undefined);
    expect(new Set(ids).size).toBe(ids.length);
    expect(old!.filter((e) => e.name === 'String').map((e) => e.attributes.CONTENT)).toContain('<cover>');
    const printSpace = empty!.find((e) => e.name === 'PrintSpace')!;
    expect(printSpace.children).toEqual([]);
  });

  it('is refused by the schema check when it breaks the schema (the check can fail)', () => {
    const broken = altoDocument(newResult, 'x.pdf').replace(/ WC="[^"]*"/, ' WC="1.5"');

    expect(() => validateAlto(broken)).toThrow(/WC/);
  });
});
