import { escapeXml, pageIds, type OcrResult, type OcrResultPage } from '@ocr-jobs/contracts';

type Box = OcrResultPage['lines'][number]['bbox'];

const ALTO_NAMESPACE = 'http://www.loc.gov/standards/alto/ns-v4#';
const ALTO_SCHEMA = 'http://www.loc.gov/standards/alto/v4/alto-4-4.xsd';

/** HPOS/VPOS/WIDTH/HEIGHT of a box, in pixels like the result's boxes. */
const position = (b: Box) =>
  `HPOS="${Math.round(b.x0)}" VPOS="${Math.round(b.y0)}" WIDTH="${Math.round(b.x1 - b.x0)}" HEIGHT="${Math.round(b.y1 - b.y0)}"`;

/** The smallest box around the lines (a page's one TextBlock). */
function around(boxes: Box[]): Box {
  return {
    x0: Math.min(...boxes.map((b) => b.x0)),
    y0: Math.min(...boxes.map((b) => b.y0)),
    x1: Math.max(...boxes.map((b) => b.x1)),
    y1: Math.max(...boxes.map((b) => b.y1)),
  };
}

/** A confidence 0-100 as ALTO's WC (word) and PC (page), 0-1. */
const unitConfidence = (confidence: number) => Math.min(1, Math.max(0, confidence / 100)).toFixed(2);

function altoPage(page: OcrResultPage): string[] {
  const p = page.page;
  const whole = `HPOS="0" VPOS="0" WIDTH="${page.width}" HEIGHT="${page.height}"`;
  const head = `<Page ID="${pageIds.page(p)}" PHYSICAL_IMG_NR="${p}" WIDTH="${page.width}" HEIGHT="${page.height}" PC="${unitConfidence(page.confidence)}">`;
  // Lines without words (none are stored today) would make an empty TextLine, which ALTO refuses.
  const lines = page.lines.filter((line) => line.words.length > 0);
  if (lines.length === 0) return [head, `<PrintSpace ${whole}/>`, '</Page>'];
  // The result keeps lines, not tesseract's blocks: the page's lines form one TextBlock.
  const block = `<TextBlock ID="${pageIds.block(p, 1)}" ${position(around(lines.map((l) => l.bbox)))}>`;
  const textLines = lines.map((line) => {
    const l = page.lines.indexOf(line) + 1;
    const strings = line.words.map(
      (word, w) =>
        `<String ID="${pageIds.word(p, l, w + 1)}" CONTENT="${escapeXml(word.text)}" WC="${unitConfidence(word.confidence)}" ${position(word.bbox)}/>`,
    );
    return `<TextLine ID="${pageIds.line(p, l)}" ${position(line.bbox)}>${strings.join('<SP/>')}</TextLine>`;
  });
  return [head, `<PrintSpace ${whole}>`, block, ...textLines, '</TextBlock>', '</PrintSpace>', '</Page>'];
}

/**
 * An ALTO v4 document of an item's result, the layout format libraries and archives keep: one Page
 * per page (PHYSICAL_IMG_NR its number), its lines as TextLines of Strings with word confidence, ids as
 * in the hOCR. Sizes are in pixels of the page as read. A page stored without lines has an empty
 * PrintSpace.
 */
export function altoDocument(result: OcrResult, filename: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<alto xmlns="${ALTO_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${ALTO_NAMESPACE} ${ALTO_SCHEMA}">`,
    '<Description>',
    '<MeasurementUnit>pixel</MeasurementUnit>',
    `<sourceImageInformation><fileName>${escapeXml(filename)}</fileName></sourceImageInformation>`,
    '<OCRProcessing ID="ocr_1"><ocrProcessingStep>',
    `<processingDateTime>${escapeXml(result.created_at)}</processingDateTime>`,
    `<processingSoftware><softwareName>${escapeXml(result.engine)}</softwareName></processingSoftware>`,
    '</ocrProcessingStep></OCRProcessing>',
    '</Description>',
    '<Layout>',
    ...result.pages.flatMap(altoPage),
    '</Layout>',
    '</alto>',
    '',
  ].join('\n');
}
