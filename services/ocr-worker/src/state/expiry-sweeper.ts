import type { Sequelize } from 'sequelize-typescript';
import type { Logger } from '@ocr-jobs/runtime';
import { expireJobs } from './expiry';

/** Runs {@link expireJobs} every `intervalMs` until stopped. */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: { db: Sequelize; intervalMs: number; logger: Logger; onExpired?: () => void },
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.sweep());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    const { db, logger, onExpired } = this.options;
    try {
      const expired = await expireJobs(db);
      for (const job_id of expired) logger.info('job expired', { job_id });
      if (expired.length > 0) onExpired?.();
    } catch (error) {
      logger.warn('expiry sweep failed; will retry', { err: error });
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
