import { createHash, randomBytes } from 'node:crypto';
import type { LoginBody, Me, SignupBody } from '@atende/shared';
import { hashPassword, verifyPassword } from '../adapters/auth/password.hasher.js';
import {
  SESSION_COOKIE,
  readCookie,
  signSessionId,
  verifySessionToken,
} from '../adapters/auth/session-cookie.js';
import type { SupabaseAuth, SupabaseSession } from '../adapters/auth/supabase-auth.adapter.js';
import { AppError, notFound, unauthenticated } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import { assertPasswordAllowed } from './password-policy.js';
import {
  type AuthContext,
  type AuthResult,
  type AuthUserJson,
  type IssuedSession,
  toAuthContext,
} from './auth.types.js';

export const SESSION_TTL_SECONDS = 30 * 24 * 3600;

const rateLimited = (message: string, retryAfterSeconds: number) =>
  new AppError('rate_limited', message, undefined, { retryAfterSeconds });

export interface AuthServiceDeps {
  db: Db;
  logger: Logger;
  /** Signs local session cookies (SESSION_SECRET or DATA_DIR/session-secret). */
  sessionSecret: string;
  /** Supabase Auth mode when present; local users otherwise. */
  supabase?: SupabaseAuth | null;
  sessionTtlSeconds?: number;
  /** Closes a user's open sockets when their sessions are revoked (the Socket.IO publisher). */
  sockets?: { disconnectUser(userId: string): void };
  /** Signups per client IP per hour (SIGNUP_RATE_LIMIT); default 10. */
  signupRateLimit?: number;
}

type SqlSession = { session?: { id: string; expiresAt: string } };

/**
 * Signup, login, logout, the session check every request and socket handshake runs, password
 * change and invite acceptance. Two modes with one browser flow: local users (scrypt hashes,
 * revocable sessions in `public.sessions`) or Supabase Auth (its access token is the session).
 *
 * @example
 *   const auth = new AuthService({ db, logger, sessionSecret });
 *   const ctx = await auth.authenticate({ cookieHeader: req.headers.cookie });
 */
export class AuthService {
  readonly mode: 'local' | 'supabase';
  private readonly ttl: number;

  constructor(private readonly deps: AuthServiceDeps) {
    this.mode = deps.supabase ? 'supabase' : 'local';
    this.ttl = deps.sessionTtlSeconds ?? SESSION_TTL_SECONDS;
  }

  /**
   * Creates the account, its owner and a first session, all or nothing. Cheap checks come before
   * the slow hash: the per-IP signup limit (429) and a taken email (409), then the password list.
   */
  async signup(body: SignupBody, meta: { ip?: string } = {}): Promise<AuthResult> {
    const base = { email: body.email, name: body.name, accountName: body.accountName };
    const pre = await this.deps.db.call<{ retryAfter?: number; taken?: boolean }>('signup_precheck', {
      email: body.email,
      ip: meta.ip ?? '',
      limit: this.deps.signupRateLimit ?? 10,
    });
    if (pre.retryAfter)
      throw rateLimited('too many signups from this network; try again later', pre.retryAfter);
    if (pre.taken) throw new AppError('conflict', 'email already registered');
    assertPasswordAllowed(body.password, 'body.password');
    const sb = this.deps.supabase;
    if (!sb) {
      const r = await this.deps.db.call<AuthUserJson & SqlSession>('signup', {
        ...base,
        passwordHash: await hashPassword(body.password),
        sessionTtlSeconds: this.ttl,
      });
      return this.issueLocal(r);
    }
    const authUserId = await sb.createUser({ email: body.email, password: body.password, name: body.name });
    let r: AuthUserJson;
    try {
      r = await this.deps.db.call<AuthUserJson>('signup', { ...base, authUserId });
    } catch (err) {
      await sb
        .deleteUser(authUserId)
        .catch((e) => this.deps.logger.warn({ err: e }, 'could not undo Supabase user'));
      throw err;
    }
    return this.supabaseResult(r, await sb.signIn({ email: body.email, password: body.password }));
  }

  /** Checks the password (throttled per email and per IP in the database) and opens a session. */
  async login(body: LoginBody, meta: { ip?: string }): Promise<AuthResult> {
    const ip = meta.ip ?? '';
    const begin = await this.deps.db.call<{
      retryAfter?: number;
      userId?: string | null;
      passwordHash?: string | null;
    }>('login_begin', { email: body.email, ip });
    if (begin.retryAfter) throw rateLimited('too many failed logins; try again later', begin.retryAfter);
    const sb = this.deps.supabase;
    if (!sb) {
      const ok = await verifyPassword(body.password, begin.passwordHash);
      const r = await this.deps.db.call<AuthUserJson & SqlSession & { ok: boolean }>('login_finish', {
        email: body.email,
        ip,
        userId: ok ? begin.userId : null,
        sessionTtlSeconds: this.ttl,
      });
      if (!r.ok) throw unauthenticated('wrong email or password');
      return this.issueLocal(r);
    }
    const s = await sb.signIn({ email: body.email, password: body.password });
    const r = await this.deps.db.call<AuthUserJson & { ok: boolean }>('login_finish', {
      email: body.email,
      ip,
      authUserId: s?.authUserId ?? null,
    });
    if (!s || !r.ok) throw unauthenticated('wrong email or password');
    return {
      user: r.user,
      account: r.account,
      session: { token: s.accessToken, maxAgeSeconds: s.expiresIn },
    };
  }

  /** Revokes the caller's local session (Supabase tokens simply stop being sent). */
  async logout(auth: AuthContext | undefined): Promise<void> {
    if (auth?.sessionId) await this.deps.db.call('session_revoke', { sessionId: auth.sessionId });
  }

  /**
   * Who is behind a cookie header or a bearer token (the socket's `auth.token`); rejects with
   * `unauthenticated`. A bearer token wins over the cookie.
   *
   * @example
   *   io.use((socket, next) => auth.authenticate({ cookieHeader: socket.handshake.headers.cookie,
   *     bearerToken: socket.handshake.auth?.token }).then((a) => { socket.data.auth = a; next(); }, next));
   */
  async authenticate(input: { cookieHeader?: string; bearerToken?: string }): Promise<AuthContext> {
    const token = input.bearerToken?.trim() || readCookie(input.cookieHeader, SESSION_COOKIE);
    if (!token || token.length > 8192) throw unauthenticated();
    const sb = this.deps.supabase;
    if (sb) {
      const authUserId = await sb.verify(token);
      if (!authUserId) throw unauthenticated('your session has expired; sign in again');
      const u = await this.deps.db.call<AuthUserJson | null>('auth_user_context', { authUserId });
      if (!u) throw unauthenticated('this login has no Atende account');
      return toAuthContext(u);
    }
    const sessionId = verifySessionToken(this.deps.sessionSecret, token);
    if (!sessionId) throw unauthenticated();
    const u = await this.deps.db.call<AuthUserJson | null>('session_auth', { sessionId });
    if (!u) throw unauthenticated('your session has expired; sign in again');
    return toAuthContext(u, sessionId);
  }

  /** `GET /api/me`, read fresh (a role change shows at once). */
  async me(auth: AuthContext): Promise<Me> {
    const r = await this.deps.db.call<AuthUserJson | null>('me', {
      accountId: auth.accountId,
      userId: auth.userId,
    });
    if (!r) throw unauthenticated();
    return { user: r.user, account: r.account };
  }

  /** Changes the caller's password; every other session of theirs stops working. */
  async changePassword(
    auth: AuthContext,
    body: { currentPassword: string; newPassword: string },
  ): Promise<IssuedSession> {
    assertPasswordAllowed(body.newPassword, 'body.newPassword');
    const sb = this.deps.supabase;
    if (sb) {
      const s = await sb.signIn({ email: auth.email, password: body.currentPassword });
      if (!s)
        throw new AppError('validation_failed', 'the current password is wrong', [
          { path: 'body.currentPassword', message: 'wrong password' },
        ]);
      await sb.updatePassword(s.authUserId, body.newPassword);
      const fresh = await sb.signIn({ email: auth.email, password: body.newPassword });
      if (!fresh) throw new AppError('upstream_failed', 'Supabase Auth refused the new password');
      return { token: fresh.accessToken, maxAgeSeconds: fresh.expiresIn };
    }
    const { passwordHash } = (await this.deps.db.call<{ passwordHash: string | null } | null>(
      'password_hash_of',
      {
        accountId: auth.accountId,
        userId: auth.userId,
      },
    )) ?? { passwordHash: null };
    if (!(await verifyPassword(body.currentPassword, passwordHash))) {
      throw new AppError('validation_failed', 'the current password is wrong', [
        { path: 'body.currentPassword', message: 'wrong password' },
      ]);
    }
    const r = await this.deps.db.call<SqlSession>('password_change', {
      accountId: auth.accountId,
      userId: auth.userId,
      passwordHash: await hashPassword(body.newPassword),
      sessionTtlSeconds: this.ttl,
    });
    // Every other session is revoked: close their sockets now, not at the next periodic re-check
    // (this browser reconnects at once with its new cookie).
    this.deps.sockets?.disconnectUser(auth.userId);
    return this.sign(r);
  }

  /** Accepts a one-time invite link: sets the password and logs in. A bogus token costs no hash. */
  async acceptInvite(body: { token: string; password: string }): Promise<AuthResult> {
    const inviteTokenHash = hashInviteToken(body.token);
    const invite = await this.deps.db.call<{ email: string; name: string } | null>('invite_lookup', {
      inviteTokenHash,
    });
    if (!invite) throw new AppError('not_found', 'this invite link is invalid or has expired');
    assertPasswordAllowed(body.password, 'body.password');
    const sb = this.deps.supabase;
    if (!sb) {
      const r = await this.deps.db.call<AuthUserJson & SqlSession>('invite_accept', {
        inviteTokenHash,
        passwordHash: await hashPassword(body.password),
        sessionTtlSeconds: this.ttl,
      });
      return this.issueLocal(r);
    }
    const authUserId = await sb.createUser({
      email: invite.email,
      password: body.password,
      name: invite.name,
    });
    let r: AuthUserJson;
    try {
      r = await this.deps.db.call<AuthUserJson>('invite_accept', { inviteTokenHash, authUserId });
    } catch (err) {
      await sb
        .deleteUser(authUserId)
        .catch((e) => this.deps.logger.warn({ err: e }, 'could not undo Supabase user'));
      throw err;
    }
    return this.supabaseResult(r, await sb.signIn({ email: invite.email, password: body.password }));
  }

  private supabaseResult(r: AuthUserJson, s: SupabaseSession | null): AuthResult {
    if (!s) throw new AppError('upstream_failed', 'Supabase Auth refused the password it just stored');
    return {
      user: r.user,
      account: r.account,
      session: { token: s.accessToken, maxAgeSeconds: s.expiresIn },
    };
  }

  private issueLocal(r: AuthUserJson & SqlSession): AuthResult {
    return { user: r.user, account: r.account, session: this.sign(r) };
  }

  private sign(r: SqlSession): IssuedSession {
    if (!r.session) throw notFound('session');
    return { token: signSessionId(this.deps.sessionSecret, r.session.id), maxAgeSeconds: this.ttl };
  }
}

/** A new invite token (sent once in the link) and the hash stored in the database. */
export function newInviteToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashInviteToken(token) };
}

export const hashInviteToken = (token: string) => createHash('sha256').update(token).digest('hex');
