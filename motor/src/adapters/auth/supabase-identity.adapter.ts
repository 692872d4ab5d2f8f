import type { TeamMember } from '@atende/shared';
import { AppError, notFound, unauthenticated } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { Db } from '../../ports/db.port.js';
import {
  toAuthContext,
  type AuthContext,
  type AccessToken,
  type AuthResult,
  type IssuedSession,
  type AuthUserJson,
  type IdentityPort,
  type MemberInput,
  type SignupInput,
} from '../../ports/identity.port.js';
import { wrongCurrentPassword } from './local-identity.adapter.js';
import type { SealedBox } from './sealed-box.js';
import { sessionIdOf, type SupabaseAuth, type SupabaseSession } from './supabase-auth.adapter.js';

/**
 * Supabase Auth: users live in GoTrue (created, signed in and deleted through SupabaseAuth, the
 * supabase-js client); our database keeps the account, role and the `auth_user_id` link. The
 * access token is the session. A user created at Supabase whose database half fails is deleted
 * again, so nothing is half-made. With a `box`, each session's refresh token is kept sealed in
 * the database, so the session's access token is renewed all day (POST /api/auth/token).
 *
 * @example
 *   const identity = new SupabaseIdentity({ db, logger, supabase: new SupabaseAuth(config.supabase) });
 */
export class SupabaseIdentity implements IdentityPort {
  readonly mode = 'supabase' as const;

  constructor(private readonly deps: { db: Db; logger: Logger; supabase: SupabaseAuth; box?: SealedBox }) {}

  async signup(input: SignupInput): Promise<AuthResult> {
    const base = { email: input.email, name: input.name, accountName: input.accountName };
    const r = await this.withNewUser(input, (authUserId) =>
      this.deps.db.call<AuthUserJson>('signup', { ...base, authUserId }),
    );
    return this.result(r, await this.deps.supabase.signIn(input));
  }

  async login(input: Parameters<IdentityPort['login']>[0]): Promise<AuthResult> {
    const s = await this.deps.supabase.signIn({ email: input.email, password: input.password });
    const r = await this.deps.db.call<AuthUserJson & { ok: boolean }>('login_finish', {
      email: input.email,
      ip: input.ip,
      authUserId: s?.authUserId ?? null,
    });
    if (!s || !r.ok) throw unauthenticated('wrong email or password');
    return this.result(r, s);
  }

  async authenticate(token: string): Promise<AuthContext> {
    const v = await this.deps.supabase.verify(token);
    if (!v) throw unauthenticated('your session has expired; sign in again');
    const u = await this.deps.db.call<AuthUserJson | null>('auth_session_context', {
      authUserId: v.authUserId,
      sessionId: v.sessionId,
    });
    if (!u)
      throw unauthenticated('this session has ended, or this login has no Atende account; sign in again');
    // The Supabase session id: logout ends it, and the sockets of it close (session room).
    return toAuthContext(u, v.sessionId ?? undefined);
  }

  async changePassword(auth: AuthContext, body: { currentPassword: string; newPassword: string }) {
    const sb = this.deps.supabase;
    const s = await sb.signIn({ email: auth.email, password: body.currentPassword });
    if (!s) throw wrongCurrentPassword();
    await sb.updatePassword(s.authUserId, body.newPassword);
    const fresh = await sb.signIn({ email: auth.email, password: body.newPassword });
    if (!fresh) throw new AppError('upstream_failed', 'Supabase Auth refused the new password');
    await this.keepRefresh(fresh);
    // Other Supabase tokens stay valid until they expire: nothing to close.
    return { session: sessionOf(fresh), othersRevoked: false };
  }

  async acceptInvite(input: { inviteTokenHash: string; password: string }): Promise<AuthResult> {
    const { inviteTokenHash } = input;
    const invite = await this.deps.db.call<{ email: string; name: string } | null>('invite_lookup', {
      inviteTokenHash,
    });
    if (!invite) throw notFound('invite');
    const login = { email: invite.email, password: input.password, name: invite.name };
    const r = await this.withNewUser(login, (authUserId) =>
      this.deps.db.call<AuthUserJson>('invite_accept', { inviteTokenHash, authUserId }),
    );
    return this.result(r, await this.deps.supabase.signIn(login));
  }

  async addMember(member: MemberInput, password: string): Promise<TeamMember> {
    try {
      return await this.withNewUser({ ...member, password }, (authUserId) =>
        this.deps.db.call<TeamMember>('user_invite', { ...member, authUserId }),
      );
    } catch (err) {
      // The address has a Supabase login already (another account's, or another app's): the
      // member is added without one, exactly as the inviter would see a fresh address added.
      if (!(err instanceof AppError && err.code === 'conflict')) throw err;
      return this.deps.db.call<TeamMember>('user_invite', { ...member });
    }
  }

  /**
   * Logout: the session is remembered as ended here (its access tokens, stateless JWTs, would
   * otherwise work until they expire), and Supabase drops its refresh token (best effort).
   */
  async endSession(auth: AuthContext, presented?: string): Promise<void> {
    const v = presented ? await this.deps.supabase.verify(presented).catch(() => null) : null;
    if (!v?.sessionId) return;
    await this.deps.db.call('supabase_session_end', {
      authUserId: v.authUserId,
      sessionId: v.sessionId,
      expiresAt: new Date((v.exp ?? Date.now() / 1000 + 3600) * 1000).toISOString(),
    });
    await this.deps.db.call('supabase_refresh_forget', { sessionId: v.sessionId });
    await this.deps.supabase
      .signOut(presented!)
      .catch((e) => this.deps.logger.warn({ err: e }, 'could not end the Supabase session'));
  }

  /**
   * A fresh access token of the presented token's session, from the session's sealed refresh
   * token (Supabase answers a new one, kept in its place). Without one (kept by a Motor with
   * another SESSION_SECRET, or Supabase refusing it) the presented token is handed back with
   * what is left of its life, and the dashboard signs in again when it runs out.
   */
  async renewAccessToken(_auth: AuthContext, presented?: string): Promise<AccessToken> {
    const exp = presented ? expOf(presented) : null;
    if (!presented || !exp) throw unauthenticated('sign in again to get a token');
    const fresh = await this.refreshed(presented);
    if (fresh) return { token: fresh.accessToken, expiresIn: fresh.expiresIn };
    return { token: presented, expiresIn: Math.max(0, exp - Math.floor(Date.now() / 1000)) };
  }

  private async refreshed(presented: string): Promise<SupabaseSession | null> {
    const { box, db, supabase } = this.deps;
    const v = box ? await supabase.verify(presented) : null;
    if (!box || !v?.sessionId) return null;
    const kept = await db.call<{ sealed: string } | null>('supabase_refresh_of', {
      authUserId: v.authUserId,
      sessionId: v.sessionId,
    });
    const refreshToken = kept ? box.open(kept.sealed) : null;
    if (!refreshToken) return null;
    const fresh = await supabase.refresh(refreshToken);
    if (!fresh || fresh.authUserId !== v.authUserId) return null;
    await this.keepRefresh(fresh);
    return fresh;
  }

  /** Supabase Auth's own recovery email (resetPasswordForEmail). */
  async requestRecovery(email: string, redirectTo: string): Promise<'email'> {
    await this.deps.supabase.sendRecovery(email, redirectTo);
    return 'email';
  }

  async forget(authUserId: string | null): Promise<void> {
    if (!authUserId) return;
    await this.deps.supabase
      .deleteUser(authUserId)
      .catch((e) => this.deps.logger.warn({ err: e }, 'could not delete Supabase user'));
  }

  /** Creates the Supabase user, then the database half; undoes the first if the second fails. */
  /** Seals and stores the session's refresh token; a failure costs only the all-day renewal. */
  private async keepRefresh(s: SupabaseSession): Promise<void> {
    const sessionId = sessionIdOf(s.accessToken);
    if (!this.deps.box || !sessionId || !s.refreshToken) return;
    await this.deps.db
      .call('supabase_refresh_keep', {
        authUserId: s.authUserId,
        sessionId,
        sealed: this.deps.box.seal(s.refreshToken),
      })
      .catch((e) => this.deps.logger.warn({ err: e }, 'could not keep the Supabase refresh token'));
  }

  private async withNewUser<T>(
    input: { email: string; password: string; name?: string },
    store: (authUserId: string) => Promise<T>,
  ): Promise<T> {
    const authUserId = await this.deps.supabase.createUser(input);
    try {
      return await store(authUserId);
    } catch (err) {
      await this.deps.supabase
        .deleteUser(authUserId)
        .catch((e) => this.deps.logger.warn({ err: e }, 'could not undo Supabase user'));
      throw err;
    }
  }

  private async result(r: AuthUserJson, s: SupabaseSession | null): Promise<AuthResult> {
    if (!s) throw new AppError('upstream_failed', 'Supabase Auth refused the password it just stored');
    await this.keepRefresh(s);
    return {
      user: r.user,
      account: r.account,
      session: sessionOf(s),
    };
  }
}

/** A Supabase session as the HTTP layer hands it out: the access token is cookie and bearer both. */
const sessionOf = (s: SupabaseSession): IssuedSession => ({
  token: s.accessToken,
  maxAgeSeconds: s.expiresIn,
  accessToken: { token: s.accessToken, expiresIn: s.expiresIn },
});

/** The `exp` claim of a JWT (already verified by authenticate), or null. */
function expOf(jwt: string): number | null {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof payload.exp === 'number' ? payload.exp : null;
  } catch {
    return null;
  }
}
