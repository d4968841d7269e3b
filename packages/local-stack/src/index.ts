export * from './emulators';
export * from './provision';
// The test database lives in core (core's own tests use it); re-exported for the services' tests.
export { createTestDatabase, testDialects, type TestDatabase } from '@ocr-jobs/core';
export * from './test-stack';
export { formatLogLine } from './log-format';
export * from './orphan-sweep';
export { TcpProxy } from './tcp-proxy';
