import { spawn } from 'node:child_process';
import { waitFor } from '@ocr-jobs/testing';
import { Supervisor } from '../src/supervisor';

/** A real child process that lives until killed, or exits at once with `code`. */
const child = (code?: number) =>
  spawn(
    process.execPath,
    ['-e', code === undefined ? 'setInterval(() => {}, 1000)' : `process.exit(${code})`],
    {
      stdio: 'ignore',
    },
  );

describe('Supervisor', () => {
  it('starts a crashed process again, says so, and stops it for good on stop()', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      name: 'svc',
      start: async () => child(),
      say: (m) => lines.push(m),
      onGiveUp: () => undefined,
      killAfterMs: 2_000,
      initialDelayMs: 10,
    });
    await supervisor.start();
    const first = supervisor.process!;

    first.kill('SIGKILL');
    await waitFor('one restart', () => supervisor.restarts === 1, { timeoutMs: 10_000, intervalMs: 20 });

    expect(supervisor.process!.pid).not.toBe(first.pid);
    expect(lines[0]).toMatch(/^svc exited \(SIGKILL\); restarting in 0\.01 s \(restart 1\)$/);
    expect(lines[1]).toBe('svc restarted');
    const second = supervisor.process!;
    await supervisor.stop();
    expect(second.signalCode).toBe('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    expect(supervisor.restarts).toBe(1);
  });

  it('backs off, and gives up when the process cannot be started again', async () => {
    const lines: string[] = [];
    let starts = 0;
    const gaveUp = new Promise<unknown>((resolve) => {
      const supervisor = new Supervisor({
        name: 'emu',
        start: async () => {
          starts++;
          if (starts === 1) return child(3);
          throw new Error('port in use');
        },
        say: (m) => lines.push(m),
        onGiveUp: resolve,
        killAfterMs: 1_000,
        initialDelayMs: 10,
        maxFailedStarts: 3,
      });
      void supervisor.start();
    });

    expect(String(await gaveUp)).toBe('Error: port in use');
    expect(starts).toBe(4);
    expect(lines[0]).toBe('emu exited (code 3); restarting in 0.01 s (restart 1)');
    expect(lines.filter((l) => l.startsWith('emu failed to restart'))).toHaveLength(2);
  });
});
