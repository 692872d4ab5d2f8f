import { goto } from '$app/navigation';
import { realtime } from '$lib/realtime/realtime.svelte';
import { campaigns, features, inbox, instances, quickReplies, team } from '$lib/state/stores';

let stop: (() => void) | null = null;

/**
 * Starts the live session after login: routes socket events to the stores (one place), opens the
 * socket, then loads the numbers and the team. Lists load after the first `ready`.
 *
 * @example
 * onMount(() => { startLive(); return stopLive; });
 */
export function startLive(): void {
  if (stop) return;
  const c = realtime.client;
  const offs = [
    c.on('event', (e) => {
      inbox.apply(e);
      instances.apply(e);
      campaigns.apply(e);
    }),
    c.on('instance.qr', (p) => instances.applyQr(p)),
    c.on('conversation.typing', (p) => inbox.applyTyping(p)),
    c.on('reset', () => {
      void inbox.reload();
      void instances.load().catch(() => {});
      if (campaigns.loaded) void campaigns.load().catch(() => {});
    }),
    c.on('unauthenticated', () => void goto('/login')),
  ];
  stop = () => offs.forEach((off) => off());
  realtime.connect();
  void realtime.firstReady.then(() => {
    void inbox.loadUnread();
    void features.load().catch((e) => console.warn('[features]', e));
    void instances.load().catch((e) => console.warn('[instances]', e));
    void team.load().catch((e) => console.warn('[team]', e));
  });
}

/** Closes the socket and forgets the account's data (logout). */
export function stopLive(): void {
  stop?.();
  stop = null;
  realtime.disconnect();
  inbox.clear();
  instances.clear();
  team.clear();
  features.clear();
  campaigns.clear();
  quickReplies.clear();
}
