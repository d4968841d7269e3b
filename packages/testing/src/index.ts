export * from './test-database';
export * from './wait-for';
export * from './test-images';
export * from './tcp-proxy';
export * from './text-distance';
export * from './xml';
export * from './job-load';
export * from './pdf-text';
