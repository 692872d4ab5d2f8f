import type { DurableEvent, InstanceQrPayload, TypingPayload } from '@atende/shared';

/** A durable event as the SQL functions return it: the contract's envelope plus its room. */
export type AccountEvent = DurableEvent & { accountId: string };

/**
 * What services use to push to browsers. Durable events are published only after their
 * transaction committed; ephemeral ones carry no seq.
 *
 * @example
 *   const { events } = await db.call<{ events: AccountEvent[] }>('ingest_message', args);
 *   realtime.publish(events);
 */
export interface RealtimePublisher {
  publish(events: readonly AccountEvent[]): void;
  publishQr(accountId: string, payload: InstanceQrPayload): void;
  publishTyping(accountId: string, payload: TypingPayload, exceptUserId?: string): void;
}
