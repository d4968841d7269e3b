import { describe, expect, it } from '@jest/globals';
import { sniffMediaType } from '@ocr-jobs/contracts';
import { HEAD_BYTES, measureHead, tiffDimensions } from '../../src/uploads/image-header';
import { bmp, gif, jpeg, pdf, png, tiff, webp } from '../support/fixtures';

describe('sniffMediaType and measureHead', () => {
  it.each([
    ['png', png(10, 20)],
    ['jpg', jpeg(10, 20)],
    ['gif', gif(10, 20)],
    ['bmp', bmp(10, 20)],
    ['webp', webp(10, 20)],
    ['tiff', tiff(10, 20)],
  ])('recognises %s by its magic bytes and reads its size', (ext, file) => {
    const type = sniffMediaType(file);
    expect(type?.ext).toBe(ext);
    expect(measureHead(type!, file)).toEqual({ kind: 'measured', dimensions: { width: 10, height: 20 } });
  });

  it('recognises a PDF and does not measure it', () => {
    const type = sniffMediaType(pdf());
    expect(type?.mime).toBe('application/pdf');
    expect(measureHead(type!, pdf())).toEqual({ kind: 'not-raster' });
  });

  it('refuses anything else, whatever its name', () => {
    expect(sniffMediaType(Buffer.from('<html>not an image</html>'))).toBeNull();
    expect(sniffMediaType(Buffer.alloc(0))).toBeNull();
  });

  it('finds a TIFF directory written after the image data, beyond the head', () => {
    const file = tiff(3000, 4000, HEAD_BYTES + 100);
    const measure = measureHead(sniffMediaType(file)!, file.subarray(0, HEAD_BYTES));
    expect(measure).toEqual({ kind: 'tiff-directory', offset: HEAD_BYTES + 108, littleEndian: true });
    expect(tiffDimensions(file.subarray(HEAD_BYTES + 108), true)).toEqual({ width: 3000, height: 4000 });
  });

  it('calls a header it cannot read unreadable', () => {
    const broken = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
    expect(measureHead(sniffMediaType(broken)!, broken)).toEqual({ kind: 'unreadable' });
  });
});
