import Router from '@koa/router';
import { idParamSchema, listContactsQuerySchema, patchContactBodySchema } from '@atende/shared';
import type { AuthService } from '../../services/auth.service.js';
import type { ContactsService } from '../../services/contacts.service.js';
import { authOf, requireAuthOnAll } from '../middleware/auth.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';

/**
 * `GET /api/contacts?q=&optedOut=&limit=&before=`, `GET /api/contacts/:id` (with its
 * conversations) and `PATCH /api/contacts/:id`, for every role.
 *
 * @example
 *   const router = contactsRoutes({ auth, contacts });
 */
export function contactsRoutes(deps: { auth: Pick<AuthService, 'authenticate'>; contacts: ContactsService }) {
  const router = new Router({ prefix: '/api/contacts' });
  requireAuthOnAll(router, deps.auth);

  router.get('/', validate({ query: listContactsQuerySchema }), async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await deps.contacts.list(authOf(ctx), input(ctx, 'query', listContactsQuerySchema));
  });

  router.get('/:id', validate({ params: idParamSchema }), async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await deps.contacts.get(authOf(ctx), input(ctx, 'params', idParamSchema).id);
  });

  router.patch('/:id', validate({ params: idParamSchema, body: patchContactBodySchema }), async (ctx) => {
    const { id } = input(ctx, 'params', idParamSchema);
    ctx.body = await deps.contacts.patch(authOf(ctx), id, input(ctx, 'body', patchContactBodySchema));
  });

  return router;
}
