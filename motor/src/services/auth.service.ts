import { createHash, randomBytes } from 'node:crypto';
import type { LoginBody, Me, SignupBody, RecoverBody, RecoverResult } from '@atende/shared';
import { readCookie, SESSION_COOKIE, type Credentials } from '../edge/credentials.js';
import { AppError, unauthenticated } from '../errors.js';
import type { Db } from '../ports/db.port.js';
import { assertPasswordAllowed } from './password-policy.js';
import type {
  AccessToken,
  AuthContext,
  AuthResult,
  AuthUserJson,
  IdentityPort,
  IssuedSession,
} from '../ports/identity.port.js';

export const SESSION_TTL_SECONDS = 30 * 24 * 3600;

export interface AuthServiceDeps {
  db: Db;
  /** Local users or Supabase Auth (the two identity adapters). */
  identity: IdentityPort;
  /** Closes open sockets when sessions end (the Socket.IO publisher; every Motor process). */
  sockets?: { disconnectUser(userId: string): void; disconnectSession(sessionId: string): void };
  /** Signups per client IP per hour (SIGNUP_RATE_LIMIT); default 10. */
  signupRateLimit?: number;
}

/** An invite for an address that has a login in another account (docs/security.md "Invites"). */
export const emailHasLogin = () =>
  new AppError(
    'conflict',
    'this email already has an Atende login; sign in with it, or ask for an invite to another email',
  );

const rateLimited = (message: string, retryAfterSeconds: number) =>
  new AppError('rate_limited', message, undefined, { retryAfterSeconds });

/**
 * Signup, login, logout, the session check every request and socket handshake runs, password
 * change and invite acceptance. The rules both identity modes share live here (the login
 * throttle, where the token comes from); how credentials are stored and proven is the identity
 * port's (local users or Supabase Auth).
 *
 * @example
 *   const auth = new AuthService({ db, identity: new LocalIdentity({ db, sessionSecret, sessionTtlSeconds }) });
 *   const ctx = await auth.authenticate({ cookieHeader: req.headers.cookie });
 */
export class AuthService {
  readonly mode: 'local' | 'supabase';

  constructor(private readonly deps: AuthServiceDeps) {
    this.mode = deps.identity.mode;
  }

  /**
   * Creates the account, its owner and a first session, all or nothing. Cheap checks come before
   * the slow hash: the per-IP signup limit (429), a taken email (409), the common-password list.
   */
  async signup(body: SignupBody, meta: { ip?: string } = {}): Promise<AuthResult> {
    const pre = await this.deps.db.call<{ retryAfter?: number; taken?: boolean }>('signup_precheck', {
      email: body.email,
      ip: meta.ip ?? '',
      limit: this.deps.signupRateLimit ?? 10,
    });
    if (pre.retryAfter)
      throw rateLimited('too many signups from this network; try again later', pre.retryAfter);
    if (pre.taken) throw new AppError('conflict', 'email already registered');
    assertPasswordAllowed(body.password, 'body.password');
    return this.deps.identity.signup(body);
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
    return this.deps.identity.login({
      email: body.email,
      password: body.password,
      ip,
      userId: begin.userId,
      passwordHash: begin.passwordHash,
    });
  }

  /** Ends the caller's session (local, or Supabase's: see IdentityPort.endSession) and its sockets. */
  async logout(auth: AuthContext | undefined, credentials: Credentials = {}): Promise<void> {
    if (!auth) return;
    await this.deps.identity.endSession(auth, tokenOf(credentials));
    // This login's other tabs stop streaming now, not at the next periodic re-check.
    if (auth.sessionId) this.deps.sockets?.disconnectSession(auth.sessionId);
  }

  /**
   * Who is behind a cookie header or a bearer token (the socket's `auth.token`); rejects with
   * `unauthenticated`. A bearer token wins over the cookie.
   *
   * @example
   *   const caller = await auth.authenticate(credentialsOf(socket.request.headers, socket.handshake.auth));
   */
  async authenticate(input: Credentials): Promise<AuthContext> {
    const token = tokenOf(input);
    if (!token || token.length > 8192) throw unauthenticated();
    return this.deps.identity.authenticate(token);
  }

  /** A fresh bearer token of the caller's session (`presented`: the bearer token it came with). */
  renewAccessToken(auth: AuthContext, presented?: string): Promise<AccessToken> {
    return this.deps.identity.renewAccessToken(auth, presented);
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
  /** A forgotten password: Supabase's recovery email, or 'admin' (see IdentityPort.requestRecovery). */
  async recover(body: RecoverBody, redirectTo: string): Promise<RecoverResult> {
    return { channel: await this.deps.identity.requestRecovery(body.email, redirectTo) };
  }

  async changePassword(
    auth: AuthContext,
    body: { currentPassword: string; newPassword: string },
  ): Promise<IssuedSession> {
    assertPasswordAllowed(body.newPassword, 'body.newPassword');
    const r = await this.deps.identity.changePassword(auth, body);
    // Every other session is revoked: close their sockets now, not at the next periodic re-check
    // (this browser reconnects at once with its new cookie).
    if (r.othersRevoked) this.deps.sockets?.disconnectUser(auth.userId);
    return r.session;
  }

  /** Accepts a one-time invite link: sets the password and logs in. A bogus token costs no hash. */
  async acceptInvite(body: { token: string; password: string }): Promise<AuthResult> {
    const inviteTokenHash = hashInviteToken(body.token);
    const invite = await this.deps.db.call<{ email: string; taken?: boolean } | null>('invite_lookup', {
      inviteTokenHash,
    });
    if (!invite) throw new AppError('not_found', 'this invite link is invalid or has expired');
    // Told to the link's holder only: the inviter's answer was the same as for a fresh address.
    if (invite.taken) throw emailHasLogin();
    assertPasswordAllowed(body.password, 'body.password');
    return this.deps.identity.acceptInvite({ inviteTokenHash, password: body.password });
  }
}

/** The token a request carries: the bearer wins over the cookie. */
const tokenOf = (c: Credentials) => c.bearerToken?.trim() || readCookie(c.cookieHeader, SESSION_COOKIE);

/** A new invite token (sent once in the link) and the hash stored in the database. */
export function newInviteToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashInviteToken(token) };
}

export const hashInviteToken = (token: string) => createHash('sha256').update(token).digest('hex');
