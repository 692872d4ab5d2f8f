import Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import {
  BEARER_REQUEST_HEADER,
  acceptInviteBodySchema,
  changePasswordBodySchema,
  recoverBodySchema,
  loginBodySchema,
  signupBodySchema,
} from '@atende/shared';
import type { AuthService } from '../../services/auth.service.js';
import type { AccessToken, AuthResult } from '../../services/auth.types.js';
import { AppError } from '../../errors.js';
import { authOf, requestCredentials, requireAuth } from '../middleware/auth.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';
import { clearSessionCookie, setSessionCookie, type CookieSite } from '../session-cookie.js';

/**
 * `POST /api/auth/signup|login|logout|password|invite/accept|token` and `GET /api/me`
 * (docs/auth.md "Routes").
 *
 * @example
 *   authRoutes({ auth, config })
 */
export function authRoutes(deps: { auth: AuthService; config: CookieSite }) {
  const router = new Router({ prefix: '/api' });
  const { auth } = deps;
  const site = deps.config;
  // A dashboard on another site asks for the session as a bearer token (the cookie would be
  // third-party there); everyone else gets the cookie, as before.
  const wantsBearer = (ctx: ParameterizedContext) => ctx.get(BEARER_REQUEST_HEADER) === '1';
  const bearer = (ctx: ParameterizedContext, t: AccessToken) => {
    ctx.set('Cache-Control', 'no-store');
    return { accessToken: t.token, expiresIn: t.expiresIn };
  };
  const answer = (ctx: ParameterizedContext, r: AuthResult, status: number) => {
    ctx.status = status;
    if (wantsBearer(ctx)) {
      ctx.body = { user: r.user, account: r.account, ...bearer(ctx, r.session.accessToken) };
      return;
    }
    setSessionCookie(ctx, r.session, site);
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
    const credentials = requestCredentials(ctx);
    const caller = await auth.authenticate(credentials).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'unauthenticated') return undefined;
      throw err;
    });
    await auth.logout(caller, credentials);
    clearSessionCookie(ctx, site);
    ctx.status = 204;
  });

  router.post(
    '/auth/password',
    requireAuth(auth),
    validate({ body: changePasswordBodySchema }),
    async (ctx) => {
      const session = await auth.changePassword(authOf(ctx), input(ctx, 'body', changePasswordBodySchema));
      // Every other session ended, this one included: a bearer client gets its new token here.
      if (wantsBearer(ctx)) {
        ctx.body = bearer(ctx, session.accessToken);
        return;
      }
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

  // Renews the bearer token of the caller's session (same session: logout still ends it).
  router.post('/auth/token', requireAuth(auth), async (ctx) => {
    ctx.body = bearer(ctx, await auth.renewAccessToken(authOf(ctx), requestCredentials(ctx).bearerToken));
  });

  router.get('/me', requireAuth(auth), async (ctx) => {
    ctx.body = await auth.me(authOf(ctx));
  });

  return router;
}
