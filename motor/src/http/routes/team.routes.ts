import Router from '@koa/router';
import {
  createQuickReplyBodySchema,
  idParamSchema,
  noteBodySchema,
  patchAccountSettingsBodySchema,
  patchQuickReplyBodySchema,
  reactionBodySchema,
} from '@atende/shared';
import type { AccountSettingsService } from '../../services/account-settings.service.js';
import type { AuthService } from '../../services/auth.service.js';
import type { QuickRepliesService } from '../../services/quick-replies.service.js';
import type { ThreadToolsService } from '../../services/thread-tools.service.js';
import { authOf, requireAuth, requireRole } from '../middleware/auth.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';

/**
 * The team's thread tools (docs/team-tools.md "Thread tools"): private notes and reactions for
 * every role; quick replies (read by all, written by owners and admins) and the account's inbox
 * settings (likewise).
 *
 * @example
 *   const router = teamRoutes({ auth, threadTools, quickReplies, accountSettings });
 */
export function teamRoutes(deps: {
  auth: Pick<AuthService, 'authenticate'>;
  threadTools: ThreadToolsService;
  quickReplies: QuickRepliesService;
  accountSettings: AccountSettingsService;
}) {
  const { threadTools, quickReplies, accountSettings } = deps;
  const router = new Router();
  const authed = requireAuth(deps.auth);
  const writer = requireRole('owner', 'admin');

  router.post(
    '/api/conversations/:id/notes',
    authed,
    validate({ params: idParamSchema, body: noteBodySchema }),
    async (ctx) => {
      ctx.status = 201;
      ctx.body = await threadTools.note(
        authOf(ctx),
        input(ctx, 'params', idParamSchema).id,
        input(ctx, 'body', noteBodySchema),
      );
    },
  );

  router.post(
    '/api/messages/:id/reactions',
    authed,
    validate({ params: idParamSchema, body: reactionBodySchema }),
    async (ctx) => {
      const message = await threadTools.react(
        authOf(ctx),
        input(ctx, 'params', idParamSchema).id,
        input(ctx, 'body', reactionBodySchema).emoji,
      );
      ctx.body = { success: true, message };
    },
  );

  router.get('/api/quick-replies', authed, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await quickReplies.list(authOf(ctx));
  });

  router.post(
    '/api/quick-replies',
    authed,
    writer,
    validate({ body: createQuickReplyBodySchema }),
    async (ctx) => {
      ctx.status = 201;
      ctx.body = await quickReplies.create(authOf(ctx), input(ctx, 'body', createQuickReplyBodySchema));
    },
  );

  router.patch(
    '/api/quick-replies/:id',
    authed,
    writer,
    validate({ params: idParamSchema, body: patchQuickReplyBodySchema }),
    async (ctx) => {
      ctx.body = await quickReplies.update(
        authOf(ctx),
        input(ctx, 'params', idParamSchema).id,
        input(ctx, 'body', patchQuickReplyBodySchema),
      );
    },
  );

  router.delete(
    '/api/quick-replies/:id',
    authed,
    writer,
    validate({ params: idParamSchema }),
    async (ctx) => {
      await quickReplies.remove(authOf(ctx), input(ctx, 'params', idParamSchema).id);
      ctx.status = 204;
    },
  );

  router.get('/api/account/settings', authed, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await accountSettings.get(authOf(ctx));
  });

  router.patch(
    '/api/account/settings',
    authed,
    writer,
    validate({ body: patchAccountSettingsBodySchema }),
    async (ctx) => {
      ctx.body = await accountSettings.patch(authOf(ctx), input(ctx, 'body', patchAccountSettingsBodySchema));
    },
  );

  return router;
}
