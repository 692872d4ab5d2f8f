import Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import {
  acceptInviteBodySchema,
  changePasswordBodySchema,
  recoverBodySchema,
  loginBodySchema,
  signupBodySchema,
} from '@atende/shared';
import type { AuthService } from '../../services/auth.service.js';
import type { AuthResult } from '../../services/auth.types.js';
import { AppError } from '../../errors.js';
import { authOf, requestCredentials, requireAuth } from '../middleware/auth.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';
import { clearSessionCookie, setSessionCookie, type CookieSite } from '../session-cookie.js';

/**
 * `POST /api/auth/signup|login|logout|password|invite/accept` and `GET /api/me`
 * (docs/auth.md "Routes").
 *
 * @example
 *   authRoutes({ auth, config })
 */
export function authRoutes(deps: { auth: AuthService; config: CookieSite }) {
  const router = new Router({ prefix: '/api' });
  const { auth } = deps;
  const site = deps.config;
  const answer = (ctx: ParameterizedContext, r: AuthResult, status: number) => {
    setSessionCookie(ctx, r.session, site);
    ctx.status = status;
    ctx.body = { user: r.user, account: r.account };
  };

  router.post('/auth/signup', validate({ body: signupBodySchema }), async (ctx) => {
    answer(ctx, await auth.signup(input(ctx, 'body', signupBodySchema), { ip: ctx.ip }), 201);
  });

  router.post('/auth/login', validate({ body: loginBodySchema }), async (ctx) => {
    answer(ctx, await auth.login(input(ctx, 'body', loginBodySchema), { ip: ctx.ip }), 200);
  });

  // Logout always clears the cookie, even when the session was already gone.
  router.post('/auth/logout', async (ctx) => {
    const caller = await auth.authenticate(requestCredentials(ctx)).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'unauthenticated') return undefined;
      throw err;
    });
    await auth.logout(caller);
    clearSessionCookie(ctx, site);
    ctx.status = 204;
  });

  router.post(
    '/auth/password',
    requireAuth(auth),
    validate({ body: changePasswordBodySchema }),
    async (ctx) => {
      const session = await auth.changePassword(authOf(ctx), input(ctx, 'body', changePasswordBodySchema));
      setSessionCookie(ctx, session, site);
      ctx.status = 204;
    },
  );

  // Always 202 with the same answer for a known or unknown email (no account enumeration).
  router.post('/auth/recover', validate({ body: recoverBodySchema }), async (ctx) => {
    ctx.status = 202;
    ctx.body = await auth.recover(input(ctx, 'body', recoverBodySchema), `${site.publicUrl}/login`);
  });

  router.post('/auth/invite/accept', validate({ body: acceptInviteBodySchema }), async (ctx) => {
    answer(ctx, await auth.acceptInvite(input(ctx, 'body', acceptInviteBodySchema)), 200);
  });

  router.get('/me', requireAuth(auth), async (ctx) => {
    ctx.body = await auth.me(authOf(ctx));
  });

  return router;
}
