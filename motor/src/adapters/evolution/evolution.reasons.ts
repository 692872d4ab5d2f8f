import type { FailureReason } from '@atende/shared';

/** What went wrong on one Evolution call, as the HTTP layer saw it. */
export interface EvolutionOutcome {
  /** Evolution's HTTP status; null when no answer came. */
  status: number | null;
  /** Evolution's raw `response.message` (or the bare body): `string | (string | string[] | object)[]`. */
  message?: unknown;
  /** Why no answer came: the per-call timeout, or a network failure (refused, DNS, reset). */
  noAnswer?: 'timeout' | 'network';
  /** The answer was 2xx but not the expected shape. */
  unexpectedBody?: boolean;
}

const DISCONNECTED =
  /connection closed|not connected|does not exist|not found|cannot convert undefined or null/i;

/**
 * Maps one failed Evolution 2.3.x call to a stable reason code (see `FAILURE_REASONS` in shared).
 * The rules follow what Evolution answers (docs/evolution.md "Errors"):
 * sending while not connected is 500 "Connection Closed"; an unknown instance is 404 "… does not
 * exist"; a number without WhatsApp is 400 with `[{exists:false, jid, number}]`; a wrong API key is
 * 401 "Unauthorized"; 2.4's licence gate is 503 `LICENSE_REQUIRED`.
 *
 * @example
 *   classifyEvolutionFailure({ status: 500, message: 'Connection Closed' }) // 'instance_disconnected'
 */
export function classifyEvolutionFailure(o: EvolutionOutcome): FailureReason {
  if (o.noAnswer === 'timeout') return 'timeout';
  if (o.noAnswer === 'network') return 'evolution_unreachable';
  if (o.unexpectedBody) return 'evolution_error';
  const text = messageText(o.message);
  if (hasNotOnWhatsApp(o.message)) return 'number_not_on_whatsapp';
  switch (o.status) {
    case 401:
      return 'evolution_rejected';
    case 403:
      return /already in use/i.test(text) ? 'invalid_request' : 'evolution_rejected';
    case 404:
      return DISCONNECTED.test(text) ? 'instance_disconnected' : 'evolution_error';
    case 413:
      return 'media_unavailable';
    case 503:
      return /LICENSE_REQUIRED|not activated/i.test(text) ? 'evolution_rejected' : 'evolution_error';
    default:
      break;
  }
  if (DISCONNECTED.test(text)) return 'instance_disconnected';
  if (/media|download|fetch.*(file|url)|ENOENT|invalid url/i.test(text) && (o.status ?? 0) >= 400)
    return 'media_unavailable';
  if (o.status !== null && o.status >= 400 && o.status < 500) return 'invalid_request';
  if (o.status !== null && o.status >= 500) return 'evolution_error';
  return 'unknown';
}

function hasNotOnWhatsApp(message: unknown): boolean {
  if (Array.isArray(message)) return message.some(hasNotOnWhatsApp);
  return (
    typeof message === 'object' && message !== null && (message as { exists?: unknown }).exists === false
  );
}

function messageText(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message === null || message === undefined) return '';
  try {
    return JSON.stringify(message);
  } catch {
    return String(message);
  }
}
