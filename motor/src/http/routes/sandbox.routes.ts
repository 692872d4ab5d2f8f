import Router from '@koa/router';
import {
  sandboxGroupMessageBodySchema,
  sandboxMediaBodySchema,
  sandboxMessageBodySchema,
  sandboxPresenceBodySchema,
  sandboxReactionBodySchema,
  sandboxScanBodySchema,
} from '@atende/shared';
import type { AuthService } from '../../services/auth.service.js';
import type { SandboxService } from '../../services/sandbox.service.js';
import { authOf, requireAuth, requireRole } from '../middleware/auth.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';

/**
 * The dashboard's sandbox panel (services/sandbox.service.ts): `GET /api/sandbox` says whether it
 * is enabled; the actions answer 404 when it is not.
 *
 * @example
 *   const router = sandboxRoutes({ auth, sandbox });
 */
export function sandboxRoutes(deps: { auth: Pick<AuthService, 'authenticate'>; sandbox: SandboxService }) {
  const { sandbox } = deps;
  const router = new Router();
  router.use('/api/sandbox', requireAuth(deps.auth));

  router.get('/api/sandbox', (ctx) => {
    ctx.body = { enabled: sandbox.enabled };
  });

  // Pairing a number is number management: owner/admin (sending as a customer is for everyone).
  router.post(
    '/api/sandbox/scan',
    requireRole('owner', 'admin'),
    validate({ body: sandboxScanBodySchema }),
    async (ctx) => {
      const r = await sandbox.scan(authOf(ctx), input(ctx, 'body', sandboxScanBodySchema).instanceName);
      ctx.body = { success: true, simulated: true, state: r.state, wuid: r.wuid };
    },
  );

  router.post('/api/sandbox/messages', validate({ body: sandboxMessageBodySchema }), async (ctx) => {
    const r = await sandbox.customerMessage(authOf(ctx), input(ctx, 'body', sandboxMessageBodySchema));
    ctx.body = { success: true, simulated: true, waMessageId: r.waMessageId };
  });

  router.post('/api/sandbox/media', validate({ body: sandboxMediaBodySchema }), async (ctx) => {
    const r = await sandbox.customerMedia(authOf(ctx), input(ctx, 'body', sandboxMediaBodySchema));
    ctx.body = { success: true, simulated: true, waMessageId: r.waMessageId };
  });

  router.post('/api/sandbox/reactions', validate({ body: sandboxReactionBodySchema }), async (ctx) => {
    const r = await sandbox.customerReaction(authOf(ctx), input(ctx, 'body', sandboxReactionBodySchema));
    ctx.body = { success: true, simulated: true, waMessageId: r.waMessageId };
  });

  router.post('/api/sandbox/presence', validate({ body: sandboxPresenceBodySchema }), async (ctx) => {
    await sandbox.customerPresence(authOf(ctx), input(ctx, 'body', sandboxPresenceBodySchema));
    ctx.body = { success: true, simulated: true };
  });

  router.post('/api/sandbox/group-messages', validate({ body: sandboxGroupMessageBodySchema }), async (ctx) => {
    const r = await sandbox.groupMessage(authOf(ctx), input(ctx, 'body', sandboxGroupMessageBodySchema));
    ctx.body = { success: true, simulated: true, waMessageId: r.waMessageId, groupJid: r.groupJid };
  });

  return router;
}
