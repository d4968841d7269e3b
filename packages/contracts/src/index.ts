export * from './audit-event';
export * from './ocr-message';
export * from './ocr-result';
export * from './statuses';
export * from './resource-definition';
export * from './log-levels';
export * from './media-types';
export * from './languages';
