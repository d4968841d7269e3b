import { hocrFromLines, numberPageHocr, withIds } from '../../src/page-hocr';

/** A page as tesseract.js 7 writes it: every page it reads is page 1, at a guessed 70 dpi. */
const TESSERACT_PAGE = `<div class='ocr_page' id='page_1' title='image "unknown"; bbox 0 0 900 200; ppageno 0; scan_res 70 70'>
 <div class='ocr_carea' id='block_1_1' title="bbox 40 40 316 64">
  <p class='ocr_par' id='par_1_1' lang='eng' title="bbox 40 40 316 64">
   <span class='ocr_line' id='line_1_1' title="bbox 40 40 316 64; baseline 0 -5; x_size 24; x_descenders 5; x_ascenders 5">
    <span class='ocrx_word' id='word_1_1' title='bbox 40 40 95 59; x_wconf 95'>Hello</span>
    <span class='ocrx_word' id='word_1_2' title='bbox 105 40 135 64; x_wconf 96'>big</span>
   </span>
   <span class='ocr_line' id='line_1_2' title="bbox 40 80 316 104; baseline 0 -5; x_size 24; x_descenders 5; x_ascenders 5">
    <span class='ocrx_word' id='word_1_3' title='bbox 40 80 95 99; x_wconf 93'>R&amp;D</span>
   </span>
  </p>
 </div>
 <div class='ocr_carea' id='block_1_2' title="bbox 40 140 316 164">
  <p class='ocr_par' id='par_1_2' lang='eng' title="bbox 40 140 316 164">
   <span class='ocr_caption' id='line_1_3' title="bbox 40 140 316 164">
    <span class='ocrx_word' id='word_1_4' title='bbox 40 140 95 164; x_wconf 90'>end</span>
   </span>
  </p>
 </div>
</div>
`;

const idsOf = (hocr: string) => [...hocr.matchAll(/\sid=(['"])([^'"]*)\1/g)].map((m) => m[2]);

describe('numberPageHocr', () => {
  it("numbers tesseract's page for its place in the item: ids, ppageno, bbox and scan_res", () => {
    // Act
    const hocr = numberPageHocr(TESSERACT_PAGE, { page: 3, width: 900, height: 200, dpi: 200 });

    // Assess
    expect(idsOf(hocr)).toEqual([
      'page_3',
      'block_3_1',
      'par_3_1',
      'line_3_1',
      'word_3_1_1',
      'word_3_1_2',
      'line_3_2',
      'word_3_2_1',
      'block_3_2',
      'par_3_2',
      'line_3_3',
      'word_3_3_1',
    ]);
    expect(hocr).toContain(
      '<div class=\'ocr_page\' id="page_3" title="bbox 0 0 900 200; ppageno 2; scan_res 200 200">',
    );
    // Everything else is kept as tesseract wrote it.
    expect(hocr).toContain('baseline 0 -5; x_size 24');
    expect(hocr).toContain('>R&amp;D</span>');
  });

  it('changes nothing when a page is numbered twice, and names the image when told', () => {
    const once = numberPageHocr(TESSERACT_PAGE, { page: 2, width: 900, height: 200, dpi: 300 });

    const twice = numberPageHocr(once, { page: 2, width: 900, height: 200, dpi: 300 });
    const named = numberPageHocr(once, { page: 2, width: 900, height: 200 }, 'scan "A"\\1.tif');

    expect(twice).toBe(once);
    // No dpi (a result stored before pages had one): no scan_res rather than a wrong one.
    expect(named).toContain('title="image &quot;scan _A__1.tif&quot;; bbox 0 0 900 200; ppageno 1">');
  });
});

describe('hocrFromLines / withIds', () => {
  const lines = [
    {
      text: 'Tom & <Jerry>',
      confidence: 100,
      bbox: { x0: 10, y0: 10, x1: 200.4, y1: 30 },
      words: [
        { text: 'Tom', confidence: 100, bbox: { x0: 10, y0: 10, x1: 50, y1: 30 } },
        { text: '&', confidence: 100, bbox: { x0: 60, y0: 10, x1: 70, y1: 30 } },
        { text: '<Jerry>', confidence: 100, bbox: { x0: 80, y0: 10, x1: 200.4, y1: 30 } },
      ],
    },
  ];

  it('builds a page with escaped text and the ids its JSON lines and words carry', () => {
    const numbered = withIds(4, lines);

    const hocr = hocrFromLines({ page: 4, width: 840, height: 400, dpi: 200, lines: numbered });

    expect(numbered[0]).toMatchObject({ id: 'line_4_1', text: 'Tom & <Jerry>' });
    expect(numbered[0]!.words.map((w) => w.id)).toEqual(['word_4_1_1', 'word_4_1_2', 'word_4_1_3']);
    expect(idsOf(hocr)).toEqual(['page_4', 'line_4_1', 'word_4_1_1', 'word_4_1_2', 'word_4_1_3']);
    expect(hocr).toContain('title="bbox 0 0 840 400; ppageno 3; scan_res 200 200"');
    expect(hocr).toContain('title="bbox 80 10 200 30; x_wconf 100">&lt;Jerry&gt;</span>');
    expect(numberPageHocr(hocr, { page: 4, width: 840, height: 400, dpi: 200 })).toBe(hocr);
  });
});
