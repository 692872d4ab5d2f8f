import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { InstanceQrPayload, TypingPayload } from '@atende/shared';
import type { Db } from '../../src/ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../../src/ports/realtime.port.js';
import { createAccount } from './factories.js';

export const FIXTURES_DIR = path.resolve(import.meta.dirname, '../fixtures/evolution');

/** Every Evolution sample file's name. */
export const fixtureNames = () =>
  readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();

/** A sample body, with `instance` (and data.instance fields) rewritten to `instanceName`. */
export function fixture(name: string, instanceName: string): any {
  const body = JSON.parse(readFileSync(path.join(FIXTURES_DIR, name), 'utf8'));
  body.instance = instanceName;
  if (body.data && typeof body.data === 'object' && 'instance' in body.data)
    body.data.instance = instanceName;
  if (body.data?.qrcode?.instance) body.data.qrcode.instance = instanceName;
  return body;
}

/** A realtime publisher recording durable events and QR pushes. */
export function recorder(): RealtimePublisher & {
  published: AccountEvent[];
  qrs: InstanceQrPayload[];
  typings: Array<TypingPayload & { accountId: string }>;
} {
  const published: AccountEvent[] = [];
  const qrs: InstanceQrPayload[] = [];
  const typings: Array<TypingPayload & { accountId: string }> = [];
  return {
    published,
    qrs,
    typings,
    publish: (e) => void published.push(...e),
    publishQr: (_a, p) => void qrs.push(p),
    publishTyping: (accountId, p) => void typings.push({ ...p, accountId }),
  };
}

export interface TestInstance {
  accountId: string;
  userId: string;
  instanceId: string;
  name: string;
  secret: string;
}

/** A fresh account with one instance (status connecting, as instance_create leaves it). */
export async function createInstance(db: Db): Promise<TestInstance> {
  const a = await createAccount(db);
  const name = `inst-${randomUUID().slice(0, 8)}`;
  const secret = randomBytes(24).toString('base64url');
  const r = await db.call<{ id: string }>('instance_create', {
    accountId: a.accountId,
    name,
    webhookSecret: secret,
  });
  return { accountId: a.accountId, userId: a.userId, instanceId: r.id, name, secret };
}

/** POSTs a webhook body (object, or raw string) to the Motor. */
export async function postWebhook(
  baseUrl: string,
  body: unknown,
  headers: Record<string, string> = {},
  pathSuffix = '',
) {
  const res = await fetch(`${baseUrl}/api/webhook${pathSuffix}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: json };
}

/** The account's stored state, without ids and processing times, for order-independence checks. */
export async function snapshot(db: Db, accountId: string, instanceId: string) {
  const conversations = await db.call<any[]>('conversations_list', { accountId, limit: 200 });
  const convs = [];
  for (const c of conversations) {
    const messages = await db.call<any[]>('messages_list', { accountId, conversationId: c.id, limit: 200 });
    convs.push({
      contact: c.contact && { name: c.contact.name, phone: c.contact.phone, avatarUrl: c.contact.avatarUrl },
      group: c.group && { subject: c.group.subject },
      status: c.status,
      aiEnabled: c.aiEnabled,
      unreadCount: c.unreadCount,
      lastMessageAt: c.lastMessageAt,
      lastMessagePreview: c.lastMessagePreview,
      lastMessageType: c.lastMessageType,
      messages: messages
        .map((m) => ({
          waMessageId: m.waMessageId,
          direction: m.direction,
          sender: m.sender,
          type: m.type,
          text: m.text,
          status: m.status,
          reactions: m.reactions,
          quoted: m.quotedWaMessageId,
          sentAt: m.sentAt,
          editedAt: m.editedAt,
          deleted: m.deletedAt !== null,
          participant: m.participant,
        }))
        .sort((x, y) => String(x.waMessageId).localeCompare(String(y.waMessageId))),
    });
  }
  convs.sort((x, y) =>
    JSON.stringify(x.contact ?? x.group).localeCompare(JSON.stringify(y.contact ?? y.group)),
  );
  const contacts = (await db.call<any[]>('contacts_list', { accountId }))
    .map((c) => ({ jid: c.jid, lid: c.lid, phone: c.phone, name: c.name, avatarUrl: c.avatarUrl }))
    .sort((x, y) => String(x.jid ?? x.lid).localeCompare(String(y.jid ?? y.lid)));
  const groups = (await db.call<any[]>('groups_list', { accountId })).map((g) => ({
    jid: g.jid,
    subject: g.subject,
    participants: g.participants,
  }));
  const instance = await db.call<any>('ingest_instance_state', { accountId, instanceId });
  return {
    convs,
    contacts,
    groups,
    instance: {
      status: instance.status,
      reason: instance.reason,
      phoneNumber: instance.phoneNumber,
      profileName: instance.profileName,
    },
  };
}

/** The head of the account's event log. */
export async function headSeq(db: Db, accountId: string): Promise<number> {
  return (await db.call<{ seq: number }>('events_after', { accountId, after: 0, limit: 1 })).seq;
}
