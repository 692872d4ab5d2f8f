import type { Instance } from '@atende/shared';
import { formatPhone } from '$lib/i18n/index.svelte';

/**
 * How a WhatsApp number of the account is named in lists: its profile name and phone (two
 * numbers often share a profile name), else whichever is known, else the instance name.
 *
 * @example numberLabel({ profileName: 'Loja', phoneNumber: '5511999990000', name: 'x' }) // "Loja · +55 11 99999-0000"
 */
export function numberLabel(i: Pick<Instance, 'profileName' | 'phoneNumber' | 'name'> | undefined): string {
  if (!i) return '';
  const phone = formatPhone(i.phoneNumber);
  if (i.profileName && phone) return `${i.profileName} · ${phone}`;
  return i.profileName || phone || i.name;
}

/**
 * Runs saves one after another, so two quick label edits reach the server in the order they were
 * made (the last one wins, as the agent expects).
 *
 * @example const save = serial(); save(() => api.contacts.patch(id, { labels }));
 */
export function serial() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}

// Readable on the light and the dark bubble alike.
const PARTICIPANT_COLORS = ['#1f8a5b', '#2b6fb0', '#8e44ad', '#c0622b', '#b03a48', '#12837a', '#7a6a12', '#4f5bd5'];

/**
 * A group member's name colour on the bubbles, stable per member (as WhatsApp does), so a thread
 * with several people reads at a glance.
 *
 * @example participantColor('5511999990003@s.whatsapp.net') // always the same colour
 */
export function participantColor(participant: string): string {
  let h = 0;
  for (const ch of participant) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PARTICIPANT_COLORS[h % PARTICIPANT_COLORS.length]!;
}
