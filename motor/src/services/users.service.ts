import type { InviteUserBody, InviteUserResult, Role, TeamMember } from '@atende/shared';
import type { Logger } from '../logger.js';
import type { Db } from '../ports/db.port.js';
import type { AuthContext, IdentityPort } from '../ports/identity.port.js';
import { newInviteToken } from './auth.service.js';
import { assertPasswordAllowed } from './password-policy.js';

export interface UsersServiceDeps {
  db: Db;
  logger: Logger;
  publicUrl: string;
  /** Local users or Supabase Auth: where a member's login is created and deleted. */
  identity: IdentityPort;
  /** Closes a removed member's open sockets at once (the Socket.IO publisher). */
  sockets?: { disconnectUser(userId: string): void };
}

/**
 * The team of an account: list (everyone), invite / change role / remove (owners and admins;
 * the rules themselves are enforced in SQL, against the caller's current role in the database).
 *
 * @example
 *   const team = new UsersService({ db, logger, publicUrl });
 *   await team.invite(auth, { email, name, role: 'agent' }); // → { user, inviteUrl }
 */
export class UsersService {
  constructor(private readonly deps: UsersServiceDeps) {}

  list(auth: AuthContext): Promise<TeamMember[]> {
    return this.deps.db.call<TeamMember[]>('users_list', { accountId: auth.accountId });
  }

  /** With a password the member can log in at once; without, a one-time link valid 7 days. */
  async invite(auth: AuthContext, body: InviteUserBody): Promise<InviteUserResult> {
    const base = {
      accountId: auth.accountId,
      actorId: auth.userId,
      email: body.email,
      name: body.name,
      role: body.role,
    };
    if (body.password) {
      assertPasswordAllowed(body.password, 'body.password');
      return { user: await this.deps.identity.addMember(base, body.password) };
    }
    const invite = newInviteToken();
    const user = await this.deps.db.call<TeamMember>('user_invite', {
      ...base,
      inviteTokenHash: invite.hash,
    });
    return { user, inviteUrl: `${this.deps.publicUrl}/invite/${invite.token}` };
  }

  setRole(auth: AuthContext, userId: string, role: Role): Promise<TeamMember> {
    return this.deps.db.call<TeamMember>('user_set_role', {
      accountId: auth.accountId,
      actorId: auth.userId,
      userId,
      role,
    });
  }

  async remove(auth: AuthContext, userId: string): Promise<void> {
    const r = await this.deps.db.call<{ authUserId: string | null }>('user_remove', {
      accountId: auth.accountId,
      actorId: auth.userId,
      userId,
    });
    this.deps.sockets?.disconnectUser(userId);
    await this.deps.identity.forget(r.authUserId);
  }
}
