/** The app's store instances, wired to the one API client. */
import { goto } from '$app/navigation';
import { api } from '$lib/api';
import { conversationName, messageSnippet } from '$lib/components/inbox/format';
import { t } from '$lib/i18n/index.svelte';
import { notifications } from '$lib/services/notifications.svelte';
import { playChime } from '$lib/services/sound';
import { shouldAlert } from './inbox-logic';
import { QuickRepliesStore } from './quick-replies.svelte';
import { Drafts } from './drafts';
import { FeaturesStore } from './features.svelte';
import { InboxStore } from './inbox.svelte';
import { InstancesStore } from './instances.svelte';
import { prefs } from './prefs.svelte';
import { session } from './session.svelte';
import { TeamStore } from './team.svelte';
import { CampaignsStore } from './campaigns.svelte';

const viewing = () => typeof document === 'undefined' || document.visibilityState === 'visible';

export const inbox: InboxStore = new InboxStore({
  api,
  me: () => session.user,
  isViewing: viewing,
  // A new conversation, or a message in one of mine: a sound and a browser notification.
  onIncoming: (message, conversation, { isNewConversation }) => {
    const ctx = { meId: session.user?.id ?? null, openId: inbox.openId, viewing: viewing(), isNewConversation };
    if (!shouldAlert(message, conversation, ctx)) return;
    if (prefs.sound) playChime();
    const name = conversationName(conversation);
    notifications.show({
      title: isNewConversation ? t('notify.newConversation', { name }) : name,
      body: messageSnippet(message) || t('notify.newMessage'),
      tag: conversation.id,
      icon: conversation.contact?.avatarUrl ?? null,
      onclick: () => void goto(`/conversations/${conversation.id}`),
    });
  },
  onError: (e) => console.warn('[inbox]', e),
});

/** Configurações → Atendimento and the composer's `/atalho` picker. */
export const quickReplies = new QuickRepliesStore(api);

export const instances = new InstancesStore(api);
export const team = new TeamStore(api);
export const features = new FeaturesStore(api);

/** The composer's per-conversation drafts of whoever is logged in. */
export const drafts = new Drafts(() =>
  session.me ? { accountId: session.me.account.id, userId: session.me.user.id } : null,
);
export const campaigns = new CampaignsStore(api);
