/**
 * The names the dashboard uses for the contract's shapes (all from `@atende/shared`), plus the
 * few the Motor answers that shared/ does not define yet.
 */
import type { InviteUserBody, InviteUserResult, Me, TeamMember } from '@atende/shared';

export type { Overview, SandboxMediaBody, SandboxMessageBody } from '@atende/shared';

/** GET /api/users item; `pending` = invited by link, not accepted yet. */
export type TeamUser = TeamMember;

/** POST /api/users answer. */
export type InviteResult = InviteUserResult;

/** GET /api/sandbox answer. */
export interface SandboxState {
  enabled: boolean;
}

/** Signup, login and invite acceptance answer with the session's user and account. */
export type AuthResult = Me;

/** POST /api/users body. */
export type InviteBody = InviteUserBody;
