/**
 * Shapes the dashboard needs that `@atende/shared` does not (yet) export.
 * Candidates to move into shared/ (see the dashboard's report).
 */
import type { Account, AiHealth, EvolutionHealth, Instance, Role, UnreadCounts, User } from '@atende/shared';

/** GET /api/users item; `pending` = invited by link, not accepted yet. */
export type TeamUser = User & { createdAt?: string; pending?: boolean };

/** POST /api/users answer. */
export interface InviteResult {
  user: TeamUser;
  inviteUrl?: string | null;
}

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

/** POST /api/sandbox/messages body. */
export interface SandboxMessageBody {
  instanceName: string;
  phone: string;
  name: string;
  text: string;
}

export interface AuthResult {
  user: User;
  account: Account;
}

export interface InviteBody {
  email: string;
  name: string;
  role: Exclude<Role, 'owner'>;
  password?: string;
}
