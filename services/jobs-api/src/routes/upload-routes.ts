import Router from '@koa/router';
import { createUploadBody } from '../api/schemas';
import { validate } from '../api/validate';
import type { AppServices } from '../app-deps';
import { createUploadTicket } from '../uploads/presigned-uploads';

/** POST /api/uploads: a presigned PUT URL for a large file, to be named later in POST /api/jobs. */
export function uploadRoutes(services: AppServices): Router {
  const router = new Router();
  router.post('/api/uploads', async (ctx) => {
    const body = validate(createUploadBody, ctx.request.body ?? {});
    const ticket = await createUploadTicket(
      services.presigner,
      services.settings.S3_BUCKET,
      ctx.state.caller.tenant,
      body,
      {
        ttlSeconds: services.settings.UPLOAD_URL_TTL_SECONDS,
        maxFileBytes: services.settings.MAX_FILE_BYTES,
      },
    );
    ctx.state.log.info('upload URL issued', { s3_key: ticket.key, bytes: body.size });
    ctx.status = 201;
    ctx.body = ticket;
  });
  return router;
}
