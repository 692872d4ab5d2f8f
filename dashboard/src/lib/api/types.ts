/**
 * The names the dashboard uses for the contract's shapes (all from `@atende/shared`), plus the
 * few the Motor answers that shared/ does not define yet.
 */
import type {
  AiHealth,
  EvolutionHealth,
  Instance,
  InviteUserBody,
  InviteUserResult,
  Me,
  TeamMember,
  UnreadCounts,
} from '@atende/shared';

export type { SandboxMediaBody, SandboxMessageBody } from '@atende/shared';

/** GET /api/users item; `pending` = invited by link, not accepted yet. */
export type TeamUser = TeamMember;

/** POST /api/users answer. */
export type InviteResult = InviteUserResult;

/** GET /api/overview answer. */
export interface Overview {
  instances: Instance[];
  openConversations: number;
  /** Conversations with unread messages, in all and per status tab. */
  unread: UnreadCounts;
  messagesToday: number;
  /** False when the Motor runs without an LLM (GROQ_API_KEY unset). */
  aiAvailable?: boolean;
  /** The account's AI: enabled, last error, circuit breaker. */
  ai?: AiHealth;
  /** The Evolution API as the Motor last checked it (shared evolutionHealthSchema). */
  evolution?: EvolutionHealth;
}

/** GET /api/sandbox answer. */
export interface SandboxState {
  enabled: boolean;
}

/** Signup, login and invite acceptance answer with the session's user and account. */
export type AuthResult = Me;

/** POST /api/users body. */
export type InviteBody = InviteUserBody;
