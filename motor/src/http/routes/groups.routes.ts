import Router from '@koa/router';
import { listGroupsQuerySchema } from '@atende/shared';
import type { AuthService } from '../../services/auth.service.js';
import type { GroupsService } from '../../services/groups.service.js';
import { authOf, requireAuthOnAll } from '../middleware/auth.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';

/**
 * `GET /api/groups?instanceId=`: the account's WhatsApp groups, for every role.
 *
 * @example
 *   const router = groupsRoutes({ auth, groups });
 */
export function groupsRoutes(deps: { auth: Pick<AuthService, 'authenticate'>; groups: GroupsService }) {
  const router = new Router({ prefix: '/api/groups' });
  requireAuthOnAll(router, deps.auth);
  router.get('/', validate({ query: listGroupsQuerySchema }), async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await deps.groups.list(authOf(ctx), input(ctx, 'query', listGroupsQuerySchema));
  });
  return router;
}
