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
