import type { Account, Role, User } from '@atende/shared';

/**
 * Who is calling: set by `requireAuth` on `ctx.state.auth` and by the Socket.IO handshake.
 * `accountId` is the only account id any account-scoped SQL function may receive.
 */
export interface AuthContext {
  userId: string;
  accountId: string;
  role: Role;
  name: string;
  email: string;
  /** The local session behind this request (absent for Supabase bearer tokens). */
  sessionId?: string;
}

/** What the auth SQL functions return for a user (`app.auth_json`). */
export interface AuthUserJson {
  user: User;
  account: Account;
}

/** A credential the HTTP layer puts into the session cookie. */
export interface IssuedSession {
  /** The cookie value (also accepted as a bearer token). */
  token: string;
  /** Seconds until it stops working. */
  maxAgeSeconds: number;
}

/** A successful signup, login or invite acceptance. */
export interface AuthResult extends AuthUserJson {
  session: IssuedSession;
}

/** Turns the SQL user json into the context the routes see. */
export function toAuthContext(u: AuthUserJson, sessionId?: string): AuthContext {
  return {
    userId: u.user.id,
    accountId: u.account.id,
    role: u.user.role,
    name: u.user.name,
    email: u.user.email,
    ...(sessionId ? { sessionId } : {}),
  };
}
