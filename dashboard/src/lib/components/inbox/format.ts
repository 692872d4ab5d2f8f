import type { Conversation, Message } from '@atende/shared';
import { formatPhone, t, type MessageKey } from '$lib/i18n/index.svelte';

/** The name to show for a conversation: contact name, group subject, or the phone. */
export function conversationName(c: Conversation): string {
  if (c.group) return c.group.subject || t('inbox.group');
  return c.contact?.name?.trim() || formatPhone(c.contact?.phone) || t('inbox.unknown');
}

/** Who wrote a message, or null when no label is needed (the contact in a 1:1 chat). */
export function senderLabel(
  m: Message,
  opts: { group: boolean; teamName: (id: string) => string | null },
): string | null {
  if (m.direction === 'in') {
    if (!opts.group) return null;
    return m.authorName?.trim() || formatPhone(m.participant?.replace(/@.*/, '')) || null;
  }
  switch (m.sender) {
    case 'ai':
      return t('sender.ai');
    case 'campaign':
      return t('sender.campaign');
    case 'system':
      return t('sender.system');
    default:
      if (!m.authorId) return t('sender.phone');
      return m.authorName?.trim() || opts.teamName(m.authorId) || t('sender.agent');
  }
}

const TYPE_KEYS: Partial<Record<Message['type'], MessageKey>> = {
  image: 'msg.image',
  video: 'msg.video',
  audio: 'msg.audio',
  document: 'msg.document',
  sticker: 'msg.sticker',
  location: 'msg.location',
  other: 'msg.other',
};

const PREVIEW_ICONS: Partial<Record<Message['type'], string>> = {
  image: '📷',
  video: '🎥',
  audio: '🎤',
  document: '📄',
  location: '📍',
};

/**
 * A conversation's inbox line: the last message's text or caption as the server sent it, else its
 * kind in the agent's language ("📷 Image", "📷 Imagem"); the server sends data, never a sentence.
 *
 * @example
 * conversationPreview({ ...c, lastMessagePreview: null, lastMessageType: 'image' }) // "📷 Imagem"
 */
export function conversationPreview(c: Conversation): string {
  if (c.lastMessagePreview) return c.lastMessagePreview;
  const type = c.lastMessageType;
  const key = type === 'reaction' ? 'msg.reaction' : type ? TYPE_KEYS[type] : undefined;
  if (!type || !key) return t('inbox.noPreview');
  const icon = PREVIEW_ICONS[type];
  return icon ? `${icon} ${t(key)}` : t(key);
}

/** A one-line summary (quotes, previews). */
export function messageSnippet(m: Message): string {
  if (m.deletedAt) return t('msg.deleted');
  const text = m.text?.trim() || m.media?.caption?.trim();
  if (m.type === 'text' || !TYPE_KEYS[m.type]) return text || '';
  const kind = m.type === 'document' && m.media?.fileName ? m.media.fileName : t(TYPE_KEYS[m.type]!);
  return text ? `${kind}: ${text}` : kind;
}

/** What a reply shows of the message it quotes (`Message.quoted`): its text, else its kind. */
export function quotedSnippet(q: NonNullable<Message['quoted']>): string {
  const text = q.text?.trim();
  if (!text && q.type === 'other') return t('msg.quotedMissing');
  if (q.type === 'text' || !TYPE_KEYS[q.type]) return text || '';
  const kind = t(TYPE_KEYS[q.type]!);
  return text ? `${kind}: ${text}` : kind;
}

/**
 * A failure reason for people: a reason code (shared FAILURE_REASONS) or an error code is
 * translated; anything else (older rows holding Evolution's English) shows the generic text.
 */
export function failureReason(error: string | null | undefined): string {
  if (!error) return t('reason.unknown');
  for (const key of [`reason.${error}`, `error.${error}`] as MessageKey[]) {
    const translated = t(key);
    if (translated !== key) return translated;
  }
  return t('reason.unknown');
}

const AI_FAILURES = ['not_available', 'timeout', 'rate_limited', 'server_error', 'network', 'empty', 'rejected'];

/** Why the AI did not answer (an LLM failure kind from the Motor), in the agent's language; null if unknown. */
export function aiErrorText(kind: string | null | undefined): string | null {
  return kind && AI_FAILURES.includes(kind) ? t(`ai.error.${kind}` as MessageKey) : null;
}
