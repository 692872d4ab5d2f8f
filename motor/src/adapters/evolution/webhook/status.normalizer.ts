import type { MessageStatus } from '@atende/shared';

/** Evolution's renderStatus words (and their numeric codes) → our message statuses. */
const STATUS: Record<string, MessageStatus> = {
  ERROR: 'failed',
  PENDING: 'pending',
  SERVER_ACK: 'sent',
  DELIVERY_ACK: 'delivered',
  READ: 'read',
  PLAYED: 'read',
  '0': 'failed',
  '1': 'pending',
  '2': 'sent',
  '3': 'delivered',
  '4': 'read',
  '5': 'read',
};

/**
 * Maps a receipt status; null for anything to ignore, notably 2.3.6's `DELETED`, which edits also
 * produce (issue #2010: only `messages.delete` means deleted).
 *
 * @example
 *   receiptStatus('DELIVERY_ACK') // → 'delivered'
 *   receiptStatus('DELETED')      // → null
 */
export function receiptStatus(raw: string | number | null | undefined): MessageStatus | null {
  if (raw === null || raw === undefined) return null;
  return STATUS[String(raw).toUpperCase()] ?? null;
}
