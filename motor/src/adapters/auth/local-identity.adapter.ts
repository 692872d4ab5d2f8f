import type { TeamMember } from '@atende/shared';
import { AppError, notFound, unauthenticated } from '../../errors.js';
import type { Db } from '../../ports/db.port.js';
import {
  toAuthContext,
  type AuthContext,
  type AccessToken,
  type AuthResult,
  type AuthUserJson,
  type IdentityPort,
  type IssuedSession,
  type MemberInput,
  type SignupInput,
} from '../../ports/identity.port.js';
import { hashPassword, verifyPassword } from './password.hasher.js';
import {
  isAccessToken,
  signAccessToken,
  signSessionId,
  verifyAccessToken,
  verifySessionToken,
} from './session-cookie.js';

type SqlSession = { session?: { id: string; expiresAt: string } };

export const wrongCurrentPassword = () =>
  new AppError('validation_failed', 'the current password is wrong', [
    { path: 'body.currentPassword', message: 'wrong password' },
  ]);

/**
 * Local users: scrypt hashes in `public.users`, revocable sessions in `public.sessions`, and a
 * cookie that carries the session id signed with HMAC-SHA256 (session-cookie.ts).
 *
 * @example
 *   const identity = new LocalIdentity({ db, sessionSecret, sessionTtlSeconds: 30 * 24 * 3600 });
 *   const ctx = await identity.authenticate(cookieValue);
 */
export class LocalIdentity implements IdentityPort {
  readonly mode = 'local' as const;

  constructor(
    private readonly deps: {
      db: Db;
      sessionSecret: string;
      sessionTtlSeconds: number;
      /** Lifetime of a bearer access token (renewed by the dashboard); default 1 hour. */
      accessTokenTtlSeconds?: number;
    },
  ) {}

  /** The session id a cookie value or an access token proves; `unauthenticated` otherwise. */
  private sessionOf(token: string): string {
    const secret = this.deps.sessionSecret;
    if (isAccessToken(token)) {
      const a = verifyAccessToken(secret, token);
      if (!a) throw unauthenticated();
      if (a.expired) throw unauthenticated('your session has expired; sign in again');
      return a.sessionId;
    }
    const sessionId = verifySessionToken(secret, token);
    if (!sessionId) throw unauthenticated();
    return sessionId;
  }

  private access(sessionId: string): AccessToken {
    return signAccessToken(this.deps.sessionSecret, sessionId, this.deps.accessTokenTtlSeconds ?? 3600);
  }

  async endSession(auth: AuthContext): Promise<void> {
    if (auth.sessionId) await this.deps.db.call('session_revoke', { sessionId: auth.sessionId });
  }

  /** Same session, new expiry: revoking the session (logout) still ends every token of it. */
  async renewAccessToken(auth: AuthContext): Promise<AccessToken> {
    if (!auth.sessionId) throw unauthenticated();
    return this.access(auth.sessionId);
  }

  async signup(input: SignupInput): Promise<AuthResult> {
    const r = await this.deps.db.call<AuthUserJson & SqlSession>('signup', {
      email: input.email,
      name: input.name,
      accountName: input.accountName,
      passwordHash: await hashPassword(input.password),
      sessionTtlSeconds: this.deps.sessionTtlSeconds,
    });
    return this.issue(r);
  }

  async login(input: Parameters<IdentityPort['login']>[0]): Promise<AuthResult> {
    const ok = await verifyPassword(input.password, input.passwordHash);
    const r = await this.deps.db.call<AuthUserJson & SqlSession & { ok: boolean }>('login_finish', {
      email: input.email,
      ip: input.ip,
      userId: ok ? input.userId : null,
      sessionTtlSeconds: this.deps.sessionTtlSeconds,
    });
    if (!r.ok) throw unauthenticated('wrong email or password');
    return this.issue(r);
  }

  async authenticate(token: string): Promise<AuthContext> {
    const sessionId = this.sessionOf(token);
    const u = await this.deps.db.call<AuthUserJson | null>('session_auth', { sessionId });
    if (!u) throw unauthenticated('your session has expired; sign in again');
    return toAuthContext(u, sessionId);
  }

  async changePassword(auth: AuthContext, body: { currentPassword: string; newPassword: string }) {
    const { passwordHash } = (await this.deps.db.call<{ passwordHash: string | null } | null>(
      'password_hash_of',
      {
        accountId: auth.accountId,
        userId: auth.userId,
      },
    )) ?? { passwordHash: null };
    if (!(await verifyPassword(body.currentPassword, passwordHash))) throw wrongCurrentPassword();
    const r = await this.deps.db.call<SqlSession>('password_change', {
      accountId: auth.accountId,
      userId: auth.userId,
      passwordHash: await hashPassword(body.newPassword),
      sessionTtlSeconds: this.deps.sessionTtlSeconds,
    });
    return { session: this.sign(r), othersRevoked: true };
  }

  async acceptInvite(input: { inviteTokenHash: string; password: string }): Promise<AuthResult> {
    const r = await this.deps.db.call<AuthUserJson & SqlSession>('invite_accept', {
      inviteTokenHash: input.inviteTokenHash,
      passwordHash: await hashPassword(input.password),
      sessionTtlSeconds: this.deps.sessionTtlSeconds,
    });
    return this.issue(r);
  }

  async addMember(member: MemberInput, password: string): Promise<TeamMember> {
    return this.deps.db.call<TeamMember>('user_invite', {
      ...member,
      passwordHash: await hashPassword(password),
    });
  }

  async forget(): Promise<void> {} // the user row was the login

  /** No outgoing mail here: an owner or admin issues a reset link (POST /api/users/:id/link). */
  async requestRecovery(): Promise<'admin'> {
    return 'admin';
  }

  hashPassword(password: string): Promise<string> {
    return hashPassword(password);
  }

  private issue(r: AuthUserJson & SqlSession): AuthResult {
    return { user: r.user, account: r.account, session: this.sign(r) };
  }

  private sign(r: SqlSession): IssuedSession {
    if (!r.session) throw notFound('session');
    return {
      token: signSessionId(this.deps.sessionSecret, r.session.id),
      maxAgeSeconds: this.deps.sessionTtlSeconds,
      accessToken: this.access(r.session.id),
    };
  }
}
