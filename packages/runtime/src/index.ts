export * from './errors';
export * from './config/load-config';
export * from './config/env-types';
export * from './config/base-config';
export * from './logging/logger';
export * from './aws/clients';
export * from './aws/queue-urls';
export * from './service/bootstrap';
