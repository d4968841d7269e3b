import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resourceDefinition } from '@ocr-jobs/contracts';
import { applyHttpKeepAlive, httpKeepAlive } from '../src';

describe('the API keep-alive', () => {
  it('outlives the load balancer idle timeout, and headers wait longer still', () => {
    const { keepAliveTimeoutMs, headersTimeoutMs } = httpKeepAlive();
    expect(keepAliveTimeoutMs).toBeGreaterThan(resourceDefinition.loadBalancer.idleTimeoutSeconds * 1000);
    expect(headersTimeoutMs).toBeGreaterThan(keepAliveTimeoutMs);
  });

  it('is what a Node server applies and announces to its clients', async () => {
    // Prepare: a real server with the settings jobs-api's main applies.
    const server = http.createServer((_req, res) => res.end('ok'));
    applyHttpKeepAlive(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new http.Agent({ keepAlive: true });
    try {
      // Act
      const header = await new Promise<string | undefined>((resolve, reject) => {
        http
          .get({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', agent }, (res) => {
            res.resume();
            resolve(res.headers['keep-alive'] as string | undefined);
          })
          .on('error', reject);
      });
      // Assess: Node announces the idle timeout it enforces, in seconds.
      expect(header).toBe(`timeout=${httpKeepAlive().keepAliveTimeoutMs / 1000}`);
      expect(server.headersTimeout).toBe(httpKeepAlive().headersTimeoutMs);
    } finally {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
