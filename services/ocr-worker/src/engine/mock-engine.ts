import { createHash } from 'node:crypto';
import { combinePages, type EngineResult, type OcrEngine } from './engine';

/** The seeds' pipeline check: `OK_<first 12 hex of sha256(file)>`, no decoding, no OCR. */
export class MockEngine implements OcrEngine {
  readonly name = 'mock';

  async recognize(file: Buffer, signal: AbortSignal): Promise<EngineResult> {
    signal.throwIfAborted();
    const text = `OK_${createHash('sha256').update(file).digest('hex').slice(0, 12)}`;
    return combinePages(this.name, [
      {
        page: 1,
        width: 0,
        height: 0,
        rotation: 0,
        text,
        confidence: 100,
        lines: [],
        hocr: null,
        source: 'ocr',
      },
    ]);
  }

  async close(): Promise<void> {}
}
