import type { Conversation } from '@atende/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { i18n } from '$lib/i18n/index.svelte';
import { conversationPreview } from './format';

const conv = (p: Partial<Conversation>): Conversation => ({
  id: '00000000-0000-4000-8000-000000000001',
  instanceId: '00000000-0000-4000-8000-000000000002',
  contact: null,
  group: null,
  status: 'open',
  assigneeId: null,
  aiEnabled: false,
  unreadCount: 0,
  lastMessageAt: null,
  lastMessagePreview: null,
  lastMessageType: null,
  labels: [],
  ...p,
});

describe('conversationPreview: the inbox line, worded in the agent language', () => {
  afterEach(() => i18n.set('pt-BR'));

  it('shows the text or caption as the server sent it', () => {
    expect(
      conversationPreview(conv({ lastMessagePreview: 'Tem na cor azul?', lastMessageType: 'image' })),
    ).toBe('Tem na cor azul?');
  });

  it('words media without text by its type, in pt-BR and in English', () => {
    const photo = conv({ lastMessageType: 'image' });
    expect(conversationPreview(photo)).toBe('📷 Imagem');
    expect(conversationPreview(conv({ lastMessageType: 'audio' }))).toBe('🎤 Áudio');
    expect(conversationPreview(conv({ lastMessageType: 'reaction' }))).toBe('Reação');
    i18n.set('en');
    expect(conversationPreview(photo)).toBe('📷 Image');
    expect(conversationPreview(conv({ lastMessageType: 'sticker' }))).toBe('Sticker');
  });

  it('says there are no messages when there is neither text nor type', () => {
    expect(conversationPreview(conv({}))).toBe('Sem mensagens');
  });
});
