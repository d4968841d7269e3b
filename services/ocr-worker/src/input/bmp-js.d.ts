declare module 'bmp-js' {
  interface BmpImage {
    width: number;
    height: number;
    /** 4 bytes a pixel, in A, B, G, R order. */
    data: Buffer;
  }
  export function decode(buffer: Buffer): BmpImage;
}
