import type { ChildProcess } from 'node:child_process';

export interface SupervisorOptions {
  name: string;
  /** Starts the process and resolves once it is usable (throws when it could not start). */
  start(): Promise<ChildProcess>;
  /** Runs after each successful restart (e.g. provision the resources a stand-in forgot). */
  afterRestart?(): Promise<void>;
  /** One line for the operator. */
  say(message: string): void;
  /** Restarting failed `maxFailedStarts` times in a row: the caller stops everything, loudly. */
  onGiveUp(error: unknown): void;
  /** How long SIGTERM may take before SIGKILL. */
  killAfterMs: number;
  /** First restart delay, doubled on each crash up to `maxDelayMs`; reset after `stableMs` up. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  stableMs?: number;
  maxFailedStarts?: number;
}

/**
 * Keeps one child process running: when it exits on its own it is started again after a backoff
 * (1 s, 2 s, 4 s … 30 s; back to 1 s once it stayed up a minute), with a log line each time. `stop()`
 * ends it for good (SIGTERM, SIGKILL after `killAfterMs`) and cancels a pending restart.
 */
export class Supervisor {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private startedAt = 0;
  restarts = 0;

  constructor(private readonly options: SupervisorOptions) {
    this.delayMs = options.initialDelayMs ?? 1_000;
  }

  get process(): ChildProcess | undefined {
    return this.child;
  }

  /** The first start: failures propagate (the stack does not come up half-started). */
  async start(): Promise<void> {
    this.adopt(await this.options.start());
  }

  /** No more restarts from now on (a terminal's Ctrl-C reaches the children too, before stop()). */
  retire(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
  }

  async stop(): Promise<void> {
    this.retire();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), this.options.killAfterMs);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  private adopt(child: ChildProcess): void {
    this.child = child;
    this.startedAt = Date.now();
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      const o = this.options;
      if (Date.now() - this.startedAt >= (o.stableMs ?? 60_000)) this.delayMs = o.initialDelayMs ?? 1_000;
      o.say(
        `${o.name} exited (${signal ?? `code ${code}`}); restarting in ${this.delayMs / 1000} s (restart ${this.restarts + 1})`,
      );
      this.scheduleRestart(0);
    });
  }

  private scheduleRestart(failedStarts: number): void {
    const o = this.options;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, o.maxDelayMs ?? 30_000);
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      void (async () => {
        try {
          const child = await o.start();
          if (this.stopping) {
            child.kill('SIGTERM');
            return;
          }
          this.restarts++;
          this.adopt(child);
          await o.afterRestart?.();
          o.say(`${o.name} restarted`);
        } catch (error) {
          if (failedStarts + 1 >= (o.maxFailedStarts ?? 5)) return o.onGiveUp(error);
          o.say(`${o.name} failed to restart (${String(error)}); trying again`);
          this.scheduleRestart(failedStarts + 1);
        }
      })();
    }, delay);
  }
}
