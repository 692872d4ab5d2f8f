import Router from '@koa/router';
import { aiTestBodySchema, putAiSettingsBodySchema } from '@atende/shared';
import type { AuthService } from '../../services/auth.service.js';
import type { AiSettingsService } from '../../services/ai-settings.service.js';
import { authOf, requireAuth, requireRole } from '../middleware/auth.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';

/**
 * AI settings: `GET /api/settings/ai` (every role), `PUT /api/settings/ai` and the test box
 * `POST /api/settings/ai/test` (owner/admin; an agent gets 403 forbidden).
 *
 * @example
 *   const router = aiRoutes({ auth, ai });
 */
export function aiRoutes(deps: { auth: Pick<AuthService, 'authenticate'>; ai: AiSettingsService }) {
  const router = new Router();
  const manager = requireRole('owner', 'admin');
  router.use('/api/settings/ai', requireAuth(deps.auth));

  router.get('/api/settings/ai', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await deps.ai.get(authOf(ctx));
  });

  router.put('/api/settings/ai', manager, validate({ body: putAiSettingsBodySchema }), async (ctx) => {
    ctx.body = await deps.ai.put(authOf(ctx), input(ctx, 'body', putAiSettingsBodySchema));
  });

  router.post('/api/settings/ai/test', manager, validate({ body: aiTestBodySchema }), async (ctx) => {
    ctx.body = await deps.ai.test(authOf(ctx), input(ctx, 'body', aiTestBodySchema).text);
  });
  return router;
}
