import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { AppError, upstreamFailed } from '../../errors.js';

export interface SupabaseAuthOptions {
  url: string;
  serviceRoleKey: string;
  anonKey?: string;
  /** When set, access tokens are verified locally (HS256) instead of asking `/auth/v1/user`. */
  jwtSecret?: string;
  /** Injected transport (tests, proxies). */
  fetch?: typeof fetch;
}

/** A Supabase Auth session as the Motor keeps it: the access token goes into our cookie. */
export interface SupabaseSession {
  authUserId: string;
  accessToken: string;
  expiresIn: number;
  /** Supabase's refresh token (one use: each refresh answers a new one). */
  refreshToken: string;
}

/** supabase-js builds a Realtime client eagerly and, on Node 20 (no global WebSocket), throws
 * unless given a transport. Auth never opens it, so this one refuses to connect. */
class NoRealtime {
  constructor() {
    throw new Error('Supabase Realtime is not used by the Motor');
  }
}

const CLIENT_OPTS = {
  auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  realtime: { transport: NoRealtime as unknown as typeof WebSocket },
};

/**
 * The one module that talks to Supabase Auth (GoTrue) through supabase-js. Every failure that is
 * not "wrong credentials" / "already registered" becomes `upstream_failed` naming Supabase Auth.
 *
 * @example
 *   const auth = new SupabaseAuth({ url, serviceRoleKey, jwtSecret });
 *   const s = await auth.signIn({ email, password }); // null on wrong credentials
 */
export class SupabaseAuth {
  private readonly admin: SupabaseClient;
  private readonly secret?: Uint8Array;

  constructor(private readonly opts: SupabaseAuthOptions) {
    this.admin = this.client(opts.serviceRoleKey);
    if (opts.jwtSecret) this.secret = new TextEncoder().encode(opts.jwtSecret);
  }

  private client(key: string): SupabaseClient {
    return createClient(this.opts.url, key, { ...CLIENT_OPTS, global: opts(this.opts.fetch) });
  }

  /** Signs in with email + password; null when Supabase says the credentials are wrong. */
  async signIn(input: { email: string; password: string }): Promise<SupabaseSession | null> {
    // A fresh client per sign-in: supabase-js keeps the signed-in session in the client, and
    // the shared admin client must keep acting with the service key.
    const c = this.client(this.opts.anonKey ?? this.opts.serviceRoleKey);
    const { data, error } = await c.auth.signInWithPassword(input);
    if (error) {
      if (isWrongCredentials(error)) return null;
      throw fail('sign-in', error);
    }
    if (!data.session || !data.user) throw upstreamFailed('Supabase Auth sign-in answered without a session');
    return {
      authUserId: data.user.id,
      accessToken: data.session.access_token,
      expiresIn: data.session.expires_in,
      refreshToken: data.session.refresh_token,
    };
  }

  /** A fresh access token of the same session; null when Supabase no longer honours the refresh token. */
  async refresh(refreshToken: string): Promise<SupabaseSession | null> {
    const c = this.client(this.opts.anonKey ?? this.opts.serviceRoleKey);
    const { data, error } = await c.auth.refreshSession({ refresh_token: refreshToken });
    if (error) {
      if (error.status && error.status < 500) return null;
      throw fail('refresh', error);
    }
    if (!data.session || !data.user) return null;
    return {
      authUserId: data.user.id,
      accessToken: data.session.access_token,
      expiresIn: data.session.expires_in,
      refreshToken: data.session.refresh_token,
    };
  }

  /**
   * Supabase Auth's forgotten-password flow: it emails a recovery link that lands on `redirectTo`.
   * Unknown emails are not an error (Supabase does not tell, and neither do we).
   */
  async sendRecovery(email: string, redirectTo: string): Promise<void> {
    const c = this.client(this.opts.anonKey ?? this.opts.serviceRoleKey);
    const { error } = await c.auth.resetPasswordForEmail(email, { redirectTo });
    if (error) throw fail('password recovery', error);
  }

  /** Creates a confirmed user; `conflict` when the email is taken. */
  async createUser(input: { email: string; password: string; name?: string }): Promise<string> {
    const { data, error } = await this.admin.auth.admin.createUser({
      email: input.email,
      password: input.password,
      email_confirm: true,
      user_metadata: input.name ? { name: input.name } : undefined,
    });
    if (error) {
      if (error.code === 'email_exists' || error.code === 'user_already_exists' || error.status === 422) {
        throw new AppError('conflict', 'email already registered');
      }
      throw fail('create user', error);
    }
    return data.user.id;
  }

  async updatePassword(authUserId: string, password: string): Promise<void> {
    const { error } = await this.admin.auth.admin.updateUserById(authUserId, { password });
    if (error) throw fail('update user', error);
  }

  /** Best effort: used to undo a createUser whose database half failed. */
  async deleteUser(authUserId: string): Promise<void> {
    const { error } = await this.admin.auth.admin.deleteUser(authUserId);
    if (error) throw fail('delete user', error);
  }

  /**
   * Who a valid access token is (`sub`), its Supabase session (`session_id`) and expiry, or null
   * when it is not valid. Verified locally with the JWT secret when configured, else by asking
   * Supabase (`GET /auth/v1/user`).
   */
  async verify(token: string): Promise<VerifiedToken | null> {
    if (this.secret) {
      try {
        const { payload } = await jwtVerify(token, this.secret, { algorithms: ['HS256'] });
        return typeof payload.sub === 'string' ? { authUserId: payload.sub, ...claimsOf(payload) } : null;
      } catch {
        return null;
      }
    }
    const { data, error } = await this.admin.auth.getUser(token);
    if (error) {
      if (error.status && error.status < 500) return null;
      throw fail('get user', error);
    }
    if (!data.user?.id) return null;
    // Supabase vouched for the token: its claims can be read as they are.
    return { authUserId: data.user.id, ...claimsOf(decodeJwt(token)) };
  }

  /** Ends the token's Supabase session (its refresh token); best effort, as logout must not fail. */
  async signOut(token: string): Promise<void> {
    const { error } = await this.admin.auth.admin.signOut(token, 'local');
    if (error) throw fail('sign out', error);
  }
}

/** What a verified Supabase access token says. */
export interface VerifiedToken {
  authUserId: string;
  sessionId: string | null;
  /** Epoch seconds. */
  exp: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const claimsOf = (p: JWTPayload) => ({
  sessionId: typeof p.session_id === 'string' && UUID.test(p.session_id) ? p.session_id : null,
  exp: typeof p.exp === 'number' ? p.exp : null,
});

/** The `session_id` claim of a Supabase access token (read, not verified: for tokens Supabase just issued). */
export const sessionIdOf = (token: string): string | null => {
  try {
    return claimsOf(decodeJwt(token)).sessionId;
  } catch {
    return null;
  }
};

const opts = (f?: typeof fetch) => (f ? { fetch: f } : {});

function isWrongCredentials(error: { code?: string; status?: number }) {
  if (error.code) return error.code === 'invalid_credentials' || error.code === 'email_not_confirmed';
  return error.status === 400; // GoTrue before error codes: {error:"invalid_grant"}
}

function fail(what: string, error: { message: string; status?: number; code?: string }) {
  return upstreamFailed(
    `Supabase Auth ${what} failed with status ${error.status ?? 'none'}`,
    { code: error.code },
    error,
  );
}
