export * from './bmp';
