/** Test data for the inbox store tests (not shipped: imported only by *.test.ts). */
import type { Conversation, Message } from '@atende/shared';

let n = 0;
export const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

export function conv(p: Partial<Conversation> = {}): Conversation {
  return {
    id: uuid(),
    instanceId: 'i1',
    contact: { id: uuid(), name: 'Maria Souza', phone: '5511987654321', avatarUrl: null },
    group: null,
    status: 'open',
    assigneeId: null,
    aiEnabled: true,
    unreadCount: 0,
    lastMessageAt: '2026-01-01T10:00:00.000Z',
    lastMessagePreview: 'oi',
    lastMessageType: 'text',
    labels: [],
    ...p,
  };
}

export function msg(p: Partial<Message> & { conversationId: string }): Message {
  return {
    id: uuid(),
    waMessageId: null,
    clientId: null,
    direction: 'in',
    sender: 'contact',
    authorId: null,
    participant: null,
    type: 'text',
    text: 'olá',
    media: null,
    quotedWaMessageId: null,
    status: 'received',
    error: null,
    sentAt: null,
    createdAt: '2026-01-01T10:00:00.000Z',
    ...p,
  };
}
