import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/ports/db.port.js';

/**
 * Campaign test data through the SQL API only: an instance in a given state, and contacts that
 * exist because they wrote to it (the way contacts really appear).
 *
 * @example
 *   const inst = await createInstance(db, accountId, 'connected');
 *   await inboundText(db, accountId, inst.id, { phone: '5511987650001', name: 'Ana', text: 'oi' });
 */
export async function createInstance(
  db: Db,
  accountId: string,
  status: 'connected' | 'disconnected' = 'connected',
) {
  const name = `camp-${randomBytes(5).toString('hex')}`;
  const inst = await db.call<{ id: string; name: string }>('instance_create', {
    accountId,
    name,
    webhookSecret: randomBytes(16).toString('hex'),
  });
  await setInstanceStatus(db, accountId, inst.id, status);
  return inst;
}

export function setInstanceStatus(
  db: Db,
  accountId: string,
  instanceId: string,
  status: 'connected' | 'disconnected',
) {
  return db.call<{ events: unknown[] }>('ingest_connection', {
    accountId,
    instanceId,
    status,
    reason: status === 'disconnected' ? 'closed' : null,
  });
}

let seq = 0;
/** A customer's text as the webhook intake stores it (creates the contact with its push name). */
export function inboundText(
  db: Db,
  accountId: string,
  instanceId: string,
  m: { phone: string; name?: string; text: string },
) {
  seq += 1;
  return db.call<{ events: Array<{ type: string; data: any }> }>('ingest_message', {
    accountId,
    instanceId,
    message: {
      waMessageId: `IN${Date.now()}${seq}${randomBytes(3).toString('hex')}`.toUpperCase(),
      origin: 'upsert',
      fromMe: false,
      chat: { kind: 'direct', jid: `${m.phone}@s.whatsapp.net`, lid: null },
      participant: null,
      pushName: m.name ?? null,
      type: 'text',
      text: m.text,
      media: null,
      sentAt: Math.floor(Date.now() / 1000),
    },
  });
}
