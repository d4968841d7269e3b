import Router from '@koa/router';
import type { LanguageListView } from '../api/schemas';
import type { AppServices } from '../app-deps';

/** GET /api/languages: what `languages` on a job may name, and the default. */
export function languageRoutes(services: AppServices): Router {
  const router = new Router();
  const body: LanguageListView = {
    data: services.languages.map(({ code, name, model }) => ({ code, name, model })),
    default: services.settings.OCR_DEFAULT_LANGUAGES,
  };
  router.get('/api/languages', (ctx) => {
    ctx.body = body;
  });
  return router;
}
