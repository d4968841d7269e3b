import net from 'node:net';
import { startLocalStack } from '@ocr-jobs/local-stack';
import { eventually } from './local-stack-process';

const portIsOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

describe('npm start (the local stack as real processes)', () => {
  it('starts every service, answers /healthz and /readyz, and stops everything on SIGTERM', async () => {
    // Act
    const stack = await startLocalStack();
    try {
      // Assess: the API is up and its dependencies are reachable.
      const health = await eventually(async () => {
        const r = await fetch(`${stack.apiUrl}/healthz`);
        return r.status === 200 ? r : undefined;
      });
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${stack.apiUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'ready',
        checks: { database: { ok: true }, s3: { ok: true }, sqs: { ok: true } },
      });
      // The worker and the audit-logger run as their own processes and reached their queues.
      await eventually(
        async () =>
          stack.output.some((l) => l.includes('[ocr-worker]')) &&
          stack.output.some((l) => l.includes('[audit-logger]')),
      );
      expect(stack.apiKey).toMatch(/^ocrj_/);
    } finally {
      // Act: Ctrl-C / SIGTERM.
      const code = await stack.stop();

      // Assess: exits cleanly and leaves nothing listening.
      expect(code).toBe(0);
    }
    for (const port of Object.values(stack.ports)) expect(await portIsOpen(port)).toBe(false);
  });

  it('reuses .data on a second start: same key, database already migrated', async () => {
    const first = await startLocalStack();
    expect(await first.stop()).toBe(0);

    const second = await startLocalStack({ dataDir: first.dataDir });
    try {
      expect(second.apiKey).toBe(first.apiKey);
      expect(second.output.join('\n')).toContain('database up to date');
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it('registers DEV_API_KEY when it is set', async () => {
    const stack = await startLocalStack({ env: { DEV_API_KEY: 'local-dev-key-0123456789' } });
    try {
      expect(stack.apiKey).toBe('local-dev-key-0123456789');
    } finally {
      expect(await stack.stop()).toBe(0);
    }
  });

  it('refuses a bad setting with one clear line naming it', async () => {
    await expect(startLocalStack({ env: { FAUXQS_PORT: 'ninety' } })).rejects.toThrow(
      /config error: FAUXQS_PORT: expected a port number 1-65535 \(got "ninety"\)/,
    );
  });
});
