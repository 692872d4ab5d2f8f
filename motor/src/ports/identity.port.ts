import type { Account, InviteUserBody, Role, TeamMember, User } from '@atende/shared';

/**
 * Identity: who may log in and how their sessions are proven. Two adapters (adapters/auth/):
 * local users (scrypt hashes in our database, signed session cookies) and Supabase Auth (its
 * access token is the session). AuthService and UsersService hold the rules common to both
 * (throttles, password policy, roles) and never ask which one runs.
 */

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
  /** The session behind this request: a local session row, or a Supabase token's `session_id`. */
  sessionId?: string;
}

/** What the auth SQL functions return for a user (`app.auth_json`). */
export interface AuthUserJson {
  user: User;
  account: Account;
}

/** A bearer token of a session, for a dashboard that cannot use the cookie (another site). */
export interface AccessToken {
  token: string;
  /** Seconds until it stops working (the dashboard renews it before: POST /api/auth/token). */
  expiresIn: number;
}

/** A credential the HTTP layer puts into the session cookie, or hands out as a bearer token. */
export interface IssuedSession {
  /** The cookie value (also accepted as a bearer token). */
  token: string;
  /** Seconds until it stops working. */
  maxAgeSeconds: number;
  /** The same session as a bearer token (sent only to a client that asks for one). */
  accessToken: AccessToken;
}

/** A successful signup, login or invite acceptance. */
export interface AuthResult extends AuthUserJson {
  session: IssuedSession;
}

/** The new owner and account of a signup. */
export interface SignupInput {
  email: string;
  name: string;
  accountName: string;
  password: string;
}

/** What `app.user_invite` needs besides the credentials (the caller is an owner or admin). */
export interface MemberInput extends Pick<InviteUserBody, 'email' | 'name' | 'role'> {
  accountId: string;
  actorId: string;
}

export interface IdentityPort {
  readonly mode: 'local' | 'supabase';
  /** Creates the account, its owner and a first session, all or nothing. */
  signup(input: SignupInput): Promise<AuthResult>;
  /**
   * Checks the password of a login that passed the throttle (`login_begin`) and records the
   * attempt (`login_finish`); `unauthenticated` when it is wrong.
   */
  login(input: {
    email: string;
    password: string;
    ip: string;
    /** What login_begin found for the email (local users). */
    userId?: string | null;
    passwordHash?: string | null;
  }): Promise<AuthResult>;
  /** Who holds a session token; `unauthenticated` when it is not (or no longer) valid. */
  authenticate(token: string): Promise<AuthContext>;
  /**
   * Changes the caller's password (the current one is checked first: `validation_failed`).
   * `othersRevoked`: the user's other sessions stopped working (their sockets should close).
   */
  changePassword(
    auth: AuthContext,
    body: { currentPassword: string; newPassword: string },
  ): Promise<{ session: IssuedSession; othersRevoked: boolean }>;
  /** Sets the password of a one-time invite (by its token's hash) and logs in. */
  acceptInvite(input: { inviteTokenHash: string; password: string }): Promise<AuthResult>;
  /** Adds a member who can log in at once with `password`. */
  addMember(member: MemberInput, password: string): Promise<TeamMember>;
  /**
   * Starts a forgotten-password recovery for `email`: Supabase Auth sends its own recovery email
   * (back to `redirectTo`) and answers 'email'; local users have no mail, so 'admin' (an owner or
   * admin issues a reset link). Same answer whether or not the email is known.
   */
  requestRecovery(email: string, redirectTo: string): Promise<'email' | 'admin'>;
  /**
   * A fresh bearer token for the caller's session (POST /api/auth/token), or `unauthenticated`.
   * `presented` is the bearer token the request carried, if any.
   */
  renewAccessToken(auth: AuthContext, presented?: string): Promise<AccessToken>;
  /** Logout: ends the caller's session where it lives (`presented`: the token it came with). */
  endSession(auth: AuthContext, presented?: string): Promise<void>;
  /** A removed member's outside login, if any, goes too (best effort). */
  forget(authUserId: string | null): Promise<void>;
  /** The stored form of a password (local users only; the demo seed uses it). */
  hashPassword?(password: string): Promise<string>;
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
