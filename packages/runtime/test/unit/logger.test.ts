import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, DependencyError } from '../../src';

function capture(service: string) {
  const lines: string[] = [];
  const logger = createLogger(service, 'debug');
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk).trim());
          done();
        },
      }),
    }),
  );
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line with the service, level, time and the child ids', () => {
    // Prepare
    const { logger, lines } = capture('jobs-api');

    // Act
    logger
      .child({ request_id: 'r-1', job_id: 'j-1' })
      .child({ item_id: 'i-1' })
      .info('item queued', { s3_key: 'jobs/j-1/i-1.png' });

    // Assess
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({
      level: 'info',
      message: 'item queued',
      service: 'jobs-api',
      request_id: 'r-1',
      job_id: 'j-1',
      item_id: 'i-1',
      s3_key: 'jobs/j-1/i-1.png',
    });
    expect(Date.parse(entry.timestamp)).not.toBeNaN();
  });

  it('serialises errors in metadata with their code and cause', () => {
    const { logger, lines } = capture('ocr-worker');
    const error = new DependencyError('s3', 'bucket unreachable', { cause: new Error('ECONNREFUSED') });

    logger.error('download failed', { err: error });

    const entry = JSON.parse(lines[0] as string);
    expect(entry.err).toMatchObject({
      name: 'DependencyError',
      message: 'bucket unreachable',
      code: 'DEPENDENCY_UNAVAILABLE',
      cause: { name: 'Error', message: 'ECONNREFUSED' },
    });
  });
});
