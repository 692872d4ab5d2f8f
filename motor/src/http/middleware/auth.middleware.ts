import type Router from '@koa/router';
import type { Middleware, ParameterizedContext } from 'koa';
import type { Role } from '@atende/shared';
import { credentialsOf } from '../../edge/credentials.js';
import { forbidden, unauthenticated } from '../../errors.js';
import type { AuthService } from '../../services/auth.service.js';
import type { AuthContext } from '../../services/auth.types.js';

/** The request's credentials (cookie header, bearer token), by the rule the handshake uses too. */
export const requestCredentials = (ctx: ParameterizedContext) =>
  credentialsOf({ cookie: ctx.get('cookie'), authorization: ctx.get('authorization') });

/**
 * Requires a valid session (cookie) or bearer token and puts the caller on `ctx.state.auth`;
 * otherwise 401 `unauthenticated`.
 *
 * @example
 *   router.get('/api/conversations', requireAuth(deps.auth), handler); // ctx.state.auth.accountId
 */
export function requireAuth(auth: Pick<AuthService, 'authenticate'>): Middleware {
  return async function requireAuthMiddleware(ctx, next) {
    ctx.state.auth = await auth.authenticate(requestCredentials(ctx));
    return next();
  };
}

/**
 * `requireAuth` in front of every route of a router with a prefix. Mounted with `use('', …)`: a
 * path-less `use(…)` matches the prefix case-sensitively while the routes match in any case, so
 * `GET /API/PRODUCTS` reached its handler without the session check.
 *
 * @example
 *   const router = new Router({ prefix: '/api/products' });
 *   requireAuthOnAll(router, deps.auth);
 */
export function requireAuthOnAll(router: Router, auth: Pick<AuthService, 'authenticate'>): void {
  router.use('', requireAuth(auth));
}

/**
 * After `requireAuth`: only the given roles pass, others get 403 `forbidden`.
 *
 * @example
 *   router.patch('/api/users/:id', requireAuth(auth), requireRole('owner', 'admin'), handler);
 */
export function requireRole(...roles: Role[]): Middleware {
  return async function requireRoleMiddleware(ctx, next) {
    const a = ctx.state.auth as AuthContext | undefined;
    if (!a) throw unauthenticated();
    if (!roles.includes(a.role)) throw forbidden();
    return next();
  };
}

/** The caller set by `requireAuth`. @example const { accountId } = authOf(ctx); */
export function authOf(ctx: ParameterizedContext): AuthContext {
  const a = ctx.state.auth as AuthContext | undefined;
  if (!a) throw unauthenticated();
  return a;
}
