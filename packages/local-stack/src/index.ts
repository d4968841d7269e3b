export * from './emulators';
export * from './provision';
export * from './test-stack';
export { formatLogLine } from './log-format';
export * from './orphan-sweep';
export * from './stack-process';
