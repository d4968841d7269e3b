import { ConfigError, loadConfig } from '@ocr-jobs/runtime';
import { configSchema } from '../../src/config';

describe('audit-logger config', () => {
  it('defaults to a year of retention and batches of ten, names from the prefix', () => {
    const config = loadConfig(configSchema, { RESOURCE_PREFIX: 'stage1' });

    expect(config).toMatchObject({
      AUDIT_RETENTION_DAYS: 365,
      AUDIT_BATCH_SIZE: 10,
      AUDIT_SHUTDOWN_TIMEOUT_MS: 10_000,
      AUDIT_QUEUE_NAME: 'stage1-audit-events',
      AUDIT_TABLE_NAME: 'stage1-audit',
    });
  });

  it('names each bad value on a line of its own', () => {
    let error: unknown;
    try {
      loadConfig(configSchema, { AUDIT_RETENTION_DAYS: 'forever', AUDIT_BATCH_SIZE: '25' });
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      'AUDIT_RETENTION_DAYS: expected a whole number 1-3650 (got "forever")',
      'AUDIT_BATCH_SIZE: expected a whole number 1-10 (got "25")',
    ]);
  });
});
