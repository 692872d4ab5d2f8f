import type { InviteUserBody, InviteUserResult, MemberLinkResult, Role, TeamMember } from '@atende/shared';
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

  /**
   * A fresh one-time link for a member (owner/admin): the invite again for a pending member, a
   * password reset for one with a local password (their sessions and sockets end now), or
   * Supabase Auth's recovery email for a Supabase member.
   *
   * @example
   *   const { kind, url } = await team.issueLink(auth, memberId); // → { kind: 'reset', url }
   */
  async issueLink(auth: AuthContext, userId: string): Promise<MemberLinkResult> {
    const token = newInviteToken();
    const r = await this.deps.db.call<{ kind: 'invite' | 'reset' | 'supabase'; email: string }>(
      'user_issue_link',
      {
        accountId: auth.accountId,
        actorId: auth.userId,
        userId,
        tokenHash: token.hash,
      },
    );
    if (r.kind === 'supabase') {
      await this.deps.identity.requestRecovery(r.email, `${this.deps.publicUrl}/login`);
      return { kind: 'email', url: null };
    }
    if (r.kind === 'reset') this.deps.sockets?.disconnectUser(userId);
    const url = `${this.deps.publicUrl}/invite/${token.token}${r.kind === 'reset' ? '?reset=1' : ''}`;
    return { kind: r.kind, url };
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
