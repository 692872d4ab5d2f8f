/** The app's store instances, wired to the one API client. */
import { api } from '$lib/api';
import { playChime } from '$lib/services/sound';
import { Drafts } from './drafts';
import { FeaturesStore } from './features.svelte';
import { InboxStore } from './inbox.svelte';
import { InstancesStore } from './instances.svelte';
import { prefs } from './prefs.svelte';
import { session } from './session.svelte';
import { TeamStore } from './team.svelte';
import { CampaignsStore } from './campaigns.svelte';

export const inbox = new InboxStore({
  api,
  me: () => session.user,
  isViewing: () => typeof document === 'undefined' || document.visibilityState === 'visible',
  onIncoming: () => {
    if (prefs.sound) playChime();
  },
  onError: (e) => console.warn('[inbox]', e),
});

export const instances = new InstancesStore(api);
export const team = new TeamStore(api);
export const features = new FeaturesStore(api);

/** The composer's per-conversation drafts of whoever is logged in. */
export const drafts = new Drafts(() =>
  session.me ? { accountId: session.me.account.id, userId: session.me.user.id } : null,
);
export const campaigns = new CampaignsStore(api);
