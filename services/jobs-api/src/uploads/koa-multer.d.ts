// @koa/multer ships no types; this declares the part of its API the receiver uses.
declare module '@koa/multer' {
  import type { IncomingMessage } from 'node:http';
  import type { Middleware } from 'koa';

  interface StorageEngine {
    _handleFile(req: IncomingMessage, file: never, callback: (error: unknown, info?: object) => void): void;
    _removeFile(req: IncomingMessage, file: never, callback: (error: Error | null) => void): void;
  }
  interface MulterFile {
    fieldname: string;
    originalname: string;
  }
  interface Options {
    storage: StorageEngine;
    limits?: { fields?: number; fieldSize?: number; files?: number; fileSize?: number; parts?: number };
    fileFilter?: (
      req: IncomingMessage,
      file: MulterFile,
      callback: (error: unknown, accept?: boolean) => void,
    ) => void;
  }
  interface Instance {
    any(): Middleware;
  }
  function multer(options: Options): Instance;
  export = multer;
}
