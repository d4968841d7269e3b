import sharp from 'sharp';
import { greyRaster, toPgm, turnRaster } from '../../src/input/grey-raster';

// A 3×2 raster: 0 1 2 / 3 4 5 (times 40, to be visible).
const raster = { width: 3, height: 2, pixels: Buffer.from([0, 40, 80, 120, 160, 200]) };

describe('grey raster', () => {
  it('writes binary PGM: the P5 header, then the pixels row by row', () => {
    const pgm = toPgm(raster);

    expect(pgm.subarray(0, 11).toString('latin1')).toBe('P5\n3 2\n255\n');
    expect([...pgm.subarray(11)]).toEqual([...raster.pixels]);
  });

  it('turns a raster clockwise by right angles', async () => {
    const quarter = await turnRaster(raster, 90);
    const half = await turnRaster(raster, 180);

    expect([quarter.width, quarter.height, [...quarter.pixels]]).toEqual([2, 3, [120, 0, 160, 40, 200, 80]]);
    expect([...half.pixels]).toEqual([200, 160, 120, 80, 40, 0]);
  });

  it('turns colour into one grey channel of 8 bits, 16-bit input included', async () => {
    const deep = await sharp({ create: { width: 2, height: 1, channels: 3, background: '#808080' } })
      .png({ palette: false })
      .toColourspace('rgb16')
      .toBuffer();

    const grey = await greyRaster(sharp(deep));

    expect([grey.width, grey.height, grey.pixels.length]).toEqual([2, 1, 2]);
    expect(grey.pixels[0]).toBeGreaterThanOrEqual(127);
    expect(grey.pixels[0]).toBeLessThanOrEqual(129);
  });
});
