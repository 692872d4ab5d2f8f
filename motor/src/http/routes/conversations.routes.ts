import Router from '@koa/router';
import {
  idParamSchema,
  listConversationsQuerySchema,
  listMessagesQuerySchema,
  patchConversationBodySchema,
  sendMediaFieldsSchema,
  sendMessageBodySchema,
  startConversationBodySchema,
} from '@atende/shared';
import type { Context } from 'koa';
import { AppError } from '../../errors.js';
import { receiveMediaUpload } from '../media-upload.js';
import type { AuthService } from '../../services/auth.service.js';
import type { ConversationStartService } from '../../services/conversation-start.service.js';
import type { ConversationsService } from '../../services/conversations.service.js';
import type { SendMessageService } from '../../services/send-message.service.js';
import { authOf, requireAuth } from '../middleware/auth.middleware.js';
import { input, issueDetail, validate } from '../middleware/validate.middleware.js';

/** A file sent to a conversation (`multipart/form-data`): its body is streamed by the route, not read by jsonBody. */
export function isMediaUpload(ctx: Pick<Context, 'method' | 'path' | 'is'>): boolean {
  return (
    ctx.method === 'POST' &&
    /^\/api\/conversations\/[^/]+\/messages$/.test(ctx.path) &&
    ctx.is('multipart/form-data') === 'multipart/form-data'
  );
}

/**
 * The inbox (docs/api.md "Conversations and messages") and `GET /api/overview`. The list's next
 * page cursor is in the `x-next-cursor` header (pass it back as `?cursor=`).
 *
 * @example
 *   const router = conversationsRoutes({ auth, conversations, sender, starter });
 */
export function conversationsRoutes(deps: {
  auth: Pick<AuthService, 'authenticate'>;
  conversations: ConversationsService;
  sender: SendMessageService;
  starter: ConversationStartService;
}) {
  const { conversations, sender, starter } = deps;
  const router = new Router();
  router.use(['/api/conversations', '/api/overview'], requireAuth(deps.auth));

  router.get('/api/conversations', validate({ query: listConversationsQuerySchema }), async (ctx) => {
    const page = await conversations.list(authOf(ctx), input(ctx, 'query', listConversationsQuerySchema));
    if (page.nextCursor) ctx.set('x-next-cursor', page.nextCursor);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = page.items;
  });

  // A new conversation with any number: 201 when created, 200 with the one that already exists.
  router.post('/api/conversations', validate({ body: startConversationBodySchema }), async (ctx) => {
    const r = await starter.start(authOf(ctx), input(ctx, 'body', startConversationBodySchema));
    ctx.status = r.created ? 201 : 200;
    ctx.body = r.conversation;
  });

  router.get('/api/conversations/unread', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await conversations.unread(authOf(ctx));
  });

  router.get('/api/conversations/labels', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await conversations.labels(authOf(ctx));
  });

  router.get('/api/conversations/:id', validate({ params: idParamSchema }), async (ctx) => {
    ctx.body = await conversations.get(authOf(ctx), input(ctx, 'params', idParamSchema).id);
  });

  router.get(
    '/api/conversations/:id/messages',
    validate({ params: idParamSchema, query: listMessagesQuerySchema }),
    async (ctx) => {
      const page = await conversations.messages(
        authOf(ctx),
        input(ctx, 'params', idParamSchema).id,
        input(ctx, 'query', listMessagesQuerySchema),
      );
      if (page.nextCursor) ctx.set('x-next-cursor', page.nextCursor);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = page.items;
    },
  );

  router.post(
    '/api/conversations/:id/messages',
    validate({ params: idParamSchema }),
    async (ctx, next) => {
      if (!isMediaUpload(ctx)) return next();
      const caller = authOf(ctx);
      const conversationId = input(ctx, 'params', idParamSchema).id;
      const { fields, stored } = await receiveMediaUpload(ctx, (file) =>
        sender.stage(caller, conversationId, file),
      );
      const parsed = sendMediaFieldsSchema.safeParse(fields);
      if (!parsed.success) {
        await sender.discard(stored);
        throw new AppError(
          'validation_failed',
          'invalid body',
          parsed.error.issues.map((i) => issueDetail('body', i)),
        );
      }
      const message = await sender.sendMedia(caller, conversationId, stored, parsed.data);
      ctx.body = { success: true, message };
    },
    validate({ params: idParamSchema, body: sendMessageBodySchema }),
    async (ctx) => {
      const message = await sender.send(
        authOf(ctx),
        input(ctx, 'params', idParamSchema).id,
        input(ctx, 'body', sendMessageBodySchema),
      );
      ctx.body = { success: true, message };
    },
  );

  router.post('/api/conversations/:id/read', validate({ params: idParamSchema }), async (ctx) => {
    await conversations.markRead(authOf(ctx), input(ctx, 'params', idParamSchema).id);
    ctx.status = 204;
  });

  router.patch(
    '/api/conversations/:id',
    validate({ params: idParamSchema, body: patchConversationBodySchema }),
    async (ctx) => {
      ctx.body = await conversations.patch(
        authOf(ctx),
        input(ctx, 'params', idParamSchema).id,
        input(ctx, 'body', patchConversationBodySchema),
      );
    },
  );

  router.get('/api/overview', async (ctx) => {
    ctx.body = await conversations.overview(authOf(ctx));
  });
  return router;
}
