import { sniffMediaType } from '../../src/media-types';

describe('sniffMediaType', () => {
  it('recognises a PDF whose header follows other bytes within the first KiB, as PDF readers do', () => {
    // Prepare
    const junkThenPdf = Buffer.concat([Buffer.alloc(600, 0x20), Buffer.from('%PDF-1.7\n')]);
    const tooLate = Buffer.concat([Buffer.alloc(1024, 0x20), Buffer.from('%PDF-1.7\n')]);

    // Act / Assess
    expect(sniffMediaType(junkThenPdf)?.kind).toBe('pdf');
    expect(sniffMediaType(tooLate)).toBeNull();
  });

  it('names each type the API stores and the worker reads', () => {
    expect(sniffMediaType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toMatchObject({ kind: 'jpeg', ext: 'jpg' });
    expect(sniffMediaType(Buffer.from('GIF89a'))).toMatchObject({ kind: 'gif', mime: 'image/gif' });
    expect(sniffMediaType(Buffer.from('plain text'))).toBeNull();
  });
});
