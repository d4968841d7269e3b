import { PassThrough } from 'node:stream';
import Router from '@koa/router';
import { jobIdParams } from '../api/schemas';
import { validate } from '../api/validate';
import type { AppServices } from '../app-deps';
import { findOwnedJob } from '../jobs/job-queries';
import { streamJobProgress } from '../jobs/job-stream';

/** GET /api/jobs/{id}/stream: a job's progress as server-sent events. */
export function streamRoutes(services: AppServices): Router {
  const router = new Router();
  router.get('/api/jobs/:id/stream', async (ctx) => {
    const { id } = validate(jobIdParams, ctx.params, 'INVALID_ID');
    const tenant = ctx.state.caller.tenant;
    await findOwnedJob(tenant, id);
    // The stream outlives any request timeout; Nagle would hold small events back.
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.status = 200;
    ctx.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      // Proxies that buffer (nginx) must pass events through as they come.
      'X-Accel-Buffering': 'no',
    });
    const out = new PassThrough();
    ctx.body = out;
    // The response closes when the client goes away (or the stream ends): stop polling then.
    ctx.res.on('close', () => out.destroy());
    streamJobProgress({
      tenant,
      jobId: id,
      out,
      logger: services.logger,
      pollMs: services.settings.STREAM_POLL_MS,
      heartbeatMs: services.settings.STREAM_HEARTBEAT_MS,
    });
  });
  return router;
}
