import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { passwordSourceFor } from '@ocr-jobs/db';
import { loadJobsApiConfig } from '../src/config';

/**
 * The database password from Secrets Manager (DATABASE_SECRET_ARN, as on ECS) while Secrets Manager
 * cannot be reached: there is no local stand-in for it, so the endpoint is a port that accepts and
 * drops every connection. The read fails with its cause and is not cached, so the next connection
 * tries again. The calls are recorded like the service's others, so infra's IAM parity test checks
 * GetSecretValue on the app user's secret against the jobs-api task role.
 */
describe('database password from Secrets Manager', () => {
  let server: net.Server;
  let connections = 0;
  const saved = { ...process.env };
  beforeAll(async () => {
    server = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    // The SDK's per-service endpoint variable; credentials so the SDK signs and sends at all.
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = `http://127.0.0.1:${port}`;
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
  });
  afterAll(async () => {
    process.env = saved;
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails a read while Secrets Manager is unreachable and reads again next time', async () => {
    // The jobs-api's own configuration path, as ECS sets it.
    const config = loadJobsApiConfig({
      DATABASE_URL: 'mysql://ocr_app@db.internal:3306/ocr_jobs',
      DATABASE_SECRET_ARN:
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:ocr-jobs-test/db-app-user-AbC123',
      AWS_REGION: 'us-east-1',
    });
    const source = passwordSourceFor(config)!;

    await expect(source.current()).rejects.toThrow();
    const afterFirst = connections;
    await expect(source.current()).rejects.toThrow();

    expect(afterFirst).toBeGreaterThan(0);
    expect(connections).toBeGreaterThan(afterFirst);
  });
});
