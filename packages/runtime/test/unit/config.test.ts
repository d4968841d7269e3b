import { spawnSync } from 'node:child_process';
import { z } from 'zod';
import { baseConfigSchema, ConfigError, defineConfig, env, loadConfig } from '../../src';

describe('loadConfig', () => {
  it('applies defaults and derives resource names from the prefix', () => {
    // Act
    const config = loadConfig(baseConfigSchema, {});

    // Assess
    expect(config.DATABASE_URL).toBe('sqlite:.data/ocr-jobs.sqlite');
    expect(config.S3_BUCKET).toBe('ocr-jobs-local-files');
    expect(config.OCR_QUEUE_NAME).toBe('ocr-jobs-local-ocr-jobs');
    expect(config.AUDIT_QUEUE_NAME).toBe('ocr-jobs-local-audit-events');
    expect(config.AUDIT_TABLE_NAME).toBe('ocr-jobs-local-audit');
    expect(config.S3_FORCE_PATH_STYLE).toBe(false);
  });

  it('keeps explicit physical names over derived ones', () => {
    const config = loadConfig(baseConfigSchema, { RESOURCE_PREFIX: 'prod', S3_BUCKET: 'my-bucket' });
    expect(config.S3_BUCKET).toBe('my-bucket');
    expect(config.OCR_QUEUE_NAME).toBe('prod-ocr-jobs');
  });

  it('names every bad variable with its value in one line each', () => {
    // Prepare
    const schema = defineConfig({ PORT: env.port(3000), CONCURRENCY: env.int(2, 1, 64) });

    // Act
    let error: unknown;
    try {
      loadConfig(schema, { PORT: 'abc', CONCURRENCY: '0', DATABASE_URL: 'postgres://x', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues).toHaveLength(4);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: expected a port number 1-65535 \(got "abc"\)$/),
        expect.stringMatching(/^CONCURRENCY: expected a whole number 1-64 \(got "0"\)$/),
        expect.stringMatching(/^DATABASE_URL: expected mysql:\/\/.* \(got "postgres:\/\/x"\)$/),
        expect.stringMatching(/^LOG_LEVEL: expected one of error, warn/),
      ]),
    );
  });

  it('parses booleans and lists from strings', () => {
    const schema = z.object({ FLAG: env.bool(false), ORIGINS: env.list() });
    expect(loadConfig(schema, { FLAG: 'yes', ORIGINS: 'http://a, http://b,,' })).toEqual({
      FLAG: true,
      ORIGINS: ['http://a', 'http://b'],
    });
    expect(() => loadConfig(schema, { FLAG: 'maybe' })).toThrow(/FLAG: expected true or false/);
  });
});

describe('loadConfigOrExit', () => {
  it('stops the process with exit code 78 and one line per bad variable', () => {
    // Prepare: a real child process, since the behaviour is the process exit itself.
    const runtime = JSON.stringify(require.resolve('../../dist/index.js'));
    const result = spawnSync(
      process.execPath,
      ['-e', `const c = require(${runtime}); c.loadConfigOrExit(c.baseConfigSchema)`],
      { env: { PATH: process.env.PATH, DATABASE_POOL_MAX: 'lots' }, encoding: 'utf8' },
    );

    // Assess
    expect(result.status).toBe(78);
    expect(result.stderr.trim()).toBe(
      'config error: DATABASE_POOL_MAX: expected a whole number 1-200 (got "lots")',
    );
  });
});
