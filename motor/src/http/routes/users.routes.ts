import Router from '@koa/router';
import { idParamSchema, inviteUserBodySchema, updateUserBodySchema } from '@atende/shared';
import type { AuthService } from '../../services/auth.service.js';
import type { UsersService } from '../../services/users.service.js';
import { authOf, requireAuth, requireRole } from '../middleware/auth.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';

/**
 * The team API: `GET /api/users` for every role (agents assign conversations to teammates);
 * `POST`, `PATCH /:id`, `POST /:id/link` (invite or reset link again), `DELETE /:id` for owners
 * and admins.
 *
 * @example
 *   usersRoutes({ auth, users })
 */
export function usersRoutes(deps: { auth: AuthService; users: UsersService }) {
  const router = new Router({ prefix: '/api/users' });
  const manager = [requireAuth(deps.auth), requireRole('owner', 'admin')];

  router.get('/', requireAuth(deps.auth), async (ctx) => {
    ctx.body = await deps.users.list(authOf(ctx));
  });

  router.post('/', ...manager, validate({ body: inviteUserBodySchema }), async (ctx) => {
    ctx.status = 201;
    ctx.body = await deps.users.invite(authOf(ctx), input(ctx, 'body', inviteUserBodySchema));
  });

  router.patch(
    '/:id',
    ...manager,
    validate({ params: idParamSchema, body: updateUserBodySchema }),
    async (ctx) => {
      const { id } = input(ctx, 'params', idParamSchema);
      ctx.body = await deps.users.setRole(authOf(ctx), id, input(ctx, 'body', updateUserBodySchema).role);
    },
  );

  router.post('/:id/link', ...manager, validate({ params: idParamSchema }), async (ctx) => {
    ctx.body = await deps.users.issueLink(authOf(ctx), input(ctx, 'params', idParamSchema).id);
  });

  router.delete('/:id', ...manager, validate({ params: idParamSchema }), async (ctx) => {
    await deps.users.remove(authOf(ctx), input(ctx, 'params', idParamSchema).id);
    ctx.status = 204;
  });

  return router;
}
