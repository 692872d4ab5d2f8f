import type { Message, QuickReply } from '@atende/shared';
import { fillQuickReply } from '@atende/shared';
import { describe, expect, it, vi } from 'vitest';
import { InboxStore } from './inbox.svelte';
import { optimisticMessage, shouldAlert, withOwnReaction } from './inbox-logic';
import { conv, msg, uuid } from './inbox.fixtures';
import { QuickRepliesStore } from './quick-replies.svelte';

const me = { id: uuid(), name: 'Ana' };

describe('thread tools (dashboard logic)', () => {
  it('moves the counts the way the server will when the business reacts, changes or removes', () => {
    const m = msg({ conversationId: uuid(), reactions: { '👍': 2 }, ownReaction: null });
    const liked = withOwnReaction(m, '❤️');
    expect(liked).toMatchObject({ reactions: { '👍': 2, '❤️': 1 }, ownReaction: '❤️' });
    expect(withOwnReaction(liked, '👍')).toMatchObject({ reactions: { '👍': 3 }, ownReaction: '👍' });
    expect(withOwnReaction(liked, '')).toMatchObject({ reactions: { '👍': 2 }, ownReaction: null });
    expect(withOwnReaction(msg({ conversationId: uuid(), reactions: { '😂': 1 }, ownReaction: '😂' }), '')).toMatchObject({
      reactions: null,
    });
  });

  it('reacting with the current emoji removes it, and a refusal puts the counts back', async () => {
    const c = conv();
    const target = msg({ conversationId: c.id, waMessageId: '3A1', reactions: { '👍': 1 }, ownReaction: '👍' });
    const react = vi.fn(async () => {
      throw new Error('offline');
    });
    const api = {
      conversations: { list: vi.fn(async () => [c]), messages: vi.fn(async () => [target]), read: vi.fn(async () => {}) },
      messages: { react },
    };
    const sut = new InboxStore({ api: api as never, me: () => me, isViewing: () => true });
    await sut.open(c.id);
    await expect(sut.react(target, '👍')).rejects.toThrow('offline');
    expect(react).toHaveBeenCalledWith(target.id, '');
    expect(sut.thread(c.id).messages[0]).toMatchObject({ reactions: { '👍': 1 }, ownReaction: '👍' });
  });

  it('alerts for a new conversation or a message in mine, never for the open thread, reactions or notes', () => {
    const mine = conv({ assigneeId: me.id });
    const theirs = conv({ assigneeId: uuid() });
    const m = (c: { id: string }, p: Partial<Message> = {}) => msg({ conversationId: c.id, ...p });
    const ctx = { meId: me.id, openId: null, viewing: true, isNewConversation: false };
    expect(shouldAlert(m(mine), mine, ctx)).toBe(true);
    expect(shouldAlert(m(theirs), theirs, ctx)).toBe(false);
    const fresh = conv();
    expect(shouldAlert(m(fresh), fresh, { ...ctx, isNewConversation: true })).toBe(true);
    expect(shouldAlert(m(fresh), fresh, ctx)).toBe(false);
    expect(shouldAlert(m(mine), mine, { ...ctx, openId: mine.id })).toBe(false);
    expect(shouldAlert(m(mine), mine, { ...ctx, openId: mine.id, viewing: false })).toBe(true);
    expect(shouldAlert(m(mine, { type: 'reaction' }), mine, ctx)).toBe(false);
    expect(shouldAlert(m(mine, { direction: 'out', sender: 'agent' }), mine, ctx)).toBe(false);
  });

  it('shows the customer typing and recording, stops on paused or on their message', () => {
    const c = conv();
    const api = { conversations: { list: vi.fn(async () => []) }, messages: {} };
    const sut = new InboxStore({ api: api as never, me: () => me, isViewing: () => true });
    sut.applyTyping({ conversationId: c.id, userId: null, name: 'Maria', from: 'contact', state: 'typing' });
    expect(sut.typing[c.id]).toMatchObject({ from: 'contact', state: 'typing', name: 'Maria' });
    sut.applyTyping({ conversationId: c.id, userId: null, name: 'Maria', from: 'contact', state: 'recording' });
    expect(sut.typing[c.id]?.state).toBe('recording');
    sut.applyTyping({ conversationId: c.id, userId: null, name: 'Maria', from: 'contact', state: 'paused' });
    expect(sut.typing[c.id]).toBeUndefined();
    sut.applyTyping({ conversationId: c.id, userId: null, name: 'Maria', from: 'contact', state: 'typing' });
    sut.apply({ seq: 1, type: 'message.created', at: '', data: { message: msg({ conversationId: c.id }), conversation: c } });
    expect(sut.typing[c.id]).toBeUndefined();
    // My own typing (from another tab) is not shown; an older payload without `from` is an agent.
    sut.applyTyping({ conversationId: c.id, userId: me.id, name: 'Ana' });
    expect(sut.typing[c.id]).toBeUndefined();
  });

  it('a count read while a read was on its way is corrected once the read answered', async () => {
    vi.useFakeTimers();
    try {
      const c = conv({ unreadCount: 0 });
      let server = { total: 1, open: 1, pending: 0, resolved: 0 }; // the customer's message, not read yet
      const api = {
        conversations: {
          list: vi.fn(async () => [c]),
          messages: vi.fn(async () => []),
          read: vi.fn(async () => {
            server = { total: 0, open: 0, pending: 0, resolved: 0 };
          }),
          unread: vi.fn(async () => server),
        },
        messages: {},
      };
      const sut = new InboxStore({ api: api as never, me: () => me, isViewing: () => true });
      await sut.loadList();
      await sut.open(c.id);
      // A message arrives in the open thread: shown read at once, the server is told shortly.
      sut.apply({ seq: 1, type: 'message.created', at: '', data: { message: msg({ conversationId: c.id }), conversation: { ...c, unreadCount: 1 } } });
      await sut.loadUnread(); // read before the server was told
      expect(sut.unreadCount).toBe(1);
      await vi.advanceTimersByTimeAsync(500); // the read goes out
      expect(api.conversations.read).toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(2000); // and the counts are read again
      expect(sut.unreadCount).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('an optimistic reply carries its quote', () => {
    const original = msg({ conversationId: uuid(), waMessageId: '3AQ', text: 'Tem de chocolate?', authorName: 'Rita' });
    const reply = optimisticMessage({ conversationId: original.conversationId, clientId: uuid(), text: 'Tem!', author: me, quoted: original });
    expect(reply).toMatchObject({
      quotedWaMessageId: '3AQ',
      quoted: { waMessageId: '3AQ', messageId: original.id, text: 'Tem de chocolate?', direction: 'in', type: 'text' },
    });
  });

  it('finds quick replies by shortcut prefix, then inside, then by text; fills {{name}}', async () => {
    const items: QuickReply[] = ['pix', 'horario', 'endereco-pix'].map((shortcut, i) => ({
      id: uuid(),
      shortcut,
      text: i === 1 ? 'Abrimos às 9h, {{name}}.' : `Chave ${shortcut}`,
      createdAt: '',
      updatedAt: '',
    }));
    const sut = new QuickRepliesStore({ quickReplies: { list: vi.fn(async () => items) } } as never);
    await sut.ensure();
    expect(sut.matching('pi').map((r) => r.shortcut)).toEqual(['pix', 'endereco-pix']);
    expect(sut.matching('abrimos').map((r) => r.shortcut)).toEqual(['horario']);
    expect(sut.matching('').map((r) => r.shortcut)).toEqual(['endereco-pix', 'horario', 'pix']);
    expect(fillQuickReply(items[1]!.text, { name: 'Maria' })).toBe('Abrimos às 9h, Maria.');
    expect(fillQuickReply('Olá {{name}}!', { name: null })).toBe('Olá!');
  });
});
