import { randomInt } from 'node:crypto';
import { incomingMessageId, jidOf } from './evolution-payloads.js';
import type { SimContext } from './simulator.lifecycle.js';
import { SimHttpError, type SimGroup, type SimInstance, type SimMessageRecord } from './simulator.state.js';

// Groups and number lookups of the simulated WhatsApp, answered the way Evolution 2.3 does
// (docs/evolution-simulator.md "Groups" and "Numbers").

/** The LID the simulated WhatsApp gives a phone (stable: the same phone always gets the same). */
export function simulatedLid(phone: string): string {
  return `${phone.slice(-12).padStart(15, '1')}@lid`;
}

function requireOpen(inst: SimInstance) {
  if (inst.state !== 'open')
    throw new SimHttpError(409, [`The "${inst.name}" instance is not connected (state: ${inst.state}); scan its QR first`]);
}

/** A group in fetchAllGroups / groups.upsert shape. */
function groupMetadata(g: SimGroup, withParticipants: boolean) {
  return {
    id: g.id,
    subject: g.subject,
    subjectOwner: g.owner,
    subjectTime: g.creation,
    pictureUrl: null,
    size: g.participants.length,
    creation: g.creation,
    owner: g.owner,
    desc: g.desc,
    descId: null,
    restrict: false,
    announce: false,
    isCommunity: false,
    isCommunityAnnounce: false,
    linkedParent: null,
    ...(withParticipants ? { participants: g.participants } : {}),
  };
}

/**
 * `GET /group/fetchAllGroups/{name}?getParticipants=true|false`: the parameter is required (400),
 * a number that is not connected answers 500 as Evolution 2.3.6 does.
 */
export function fetchAllGroups(inst: SimInstance, getParticipants: string | null) {
  if (getParticipants !== 'true' && getParticipants !== 'false')
    throw new SimHttpError(400, [['getParticipants is required: true or false']]);
  if (inst.state !== 'open') throw new SimHttpError(500, 'Cannot convert undefined or null to object');
  return [...inst.groups.values()].map((g) => groupMetadata(g, getParticipants === 'true'));
}

/**
 * The simulated WhatsApp's directory: every number of 10 to 15 digits has an account, except
 * those ending in 0000 (a way to try "not on WhatsApp"). Brazilian mobiles are registered with
 * their 9th digit; a number the instance already talks to keeps the JID it writes from, in
 * either form (with or without the 9th digit), as WhatsApp would answer.
 */
function lookup(inst: SimInstance, number: string): { jid: string; exists: boolean } {
  let digits = number.replace(/@.*$/, '').replace(/\D/g, '');
  if (/^55[1-9]{2}[6-9][0-9]{7}$/.test(digits)) digits = `${digits.slice(0, 4)}9${digits.slice(4)}`;
  const withNine = digits;
  const withoutNine = /^55[1-9]{2}9[6-9][0-9]{7}$/.test(digits) ? digits.slice(0, 4) + digits.slice(5) : null;
  for (const d of [withNine, withoutNine]) {
    if (d && inst.contacts.has(jidOf(d))) return { jid: jidOf(d), exists: true };
  }
  const exists = digits.length >= 10 && digits.length <= 15 && !digits.endsWith('0000');
  return { jid: jidOf(digits || number), exists };
}

/**
 * `POST /chat/whatsappNumbers/{name}` `{numbers}` → 200 `[{jid, exists, number, name?, lid?}]`,
 * `number` echoed as given. Without `numbers` Evolution's handler throws and answers 400; a number
 * that is not connected makes WhatsApp's lookup fail ("Connection Closed"), answered 400 too.
 */
export function whatsappNumbers(inst: SimInstance, body: Record<string, unknown>) {
  const numbers = body.numbers;
  if (!Array.isArray(numbers) || numbers.some((n) => typeof n !== 'string'))
    throw new SimHttpError(400, [['"numbers" must be an array of numeric strings']]);
  if (inst.state !== 'open') {
    throw new SimHttpError(400, {
      data: null,
      isBoom: true,
      isServer: false,
      output: {
        statusCode: 428,
        payload: { statusCode: 428, error: 'Precondition Required', message: 'Connection Closed' },
        headers: {},
      },
    });
  }
  return (numbers as string[]).map((number) => {
    if (number.endsWith('@g.us')) {
      const g = inst.groups.get(number);
      return g ? { jid: g.id, exists: true, number, name: g.subject } : { jid: number, exists: false, number };
    }
    return { ...lookup(inst, number), number };
  });
}

/** Control: the number is added to a new group with these members (`groups.upsert`). */
export function createGroup(
  ctx: SimContext,
  inst: SimInstance,
  p: { subject: string; participants: Array<{ phone: string; name?: string }> },
) {
  requireOpen(inst);
  const now = Math.floor(Date.now() / 1000);
  const id = `120363${String(randomInt(10 ** 11, 10 ** 12))}@g.us`;
  const own = inst.wuid ?? null;
  const members = p.participants.map((m) => ({
    id: simulatedLid(m.phone),
    phoneNumber: jidOf(m.phone),
    admin: null as SimGroup['participants'][number]['admin'],
  }));
  if (members[0]) members[0].admin = 'superadmin';
  if (own && !members.some((m) => m.phoneNumber === own))
    members.push({ id: simulatedLid(own.replace(/@.*/, '')), phoneNumber: own, admin: null });
  const g: SimGroup = { id, subject: p.subject, creation: now, owner: members[0]?.id ?? null, desc: null, participants: members };
  inst.groups.set(id, g);
  ctx.hooks.emit(inst, 'groups.upsert', [
    { ...groupMetadata(g, true), addressingMode: 'lid', author: g.owner, authorPn: members[0]?.phoneNumber ?? null },
  ]);
  return { jid: id, subject: g.subject, size: g.participants.length };
}

/**
 * Control: a member writes in a group (`messages.upsert` with `participant`, LID-addressed as
 * Baileys 7 does). Someone not yet in the group joins it first (`group-participants.update`).
 */
export function groupMessage(
  ctx: SimContext,
  inst: SimInstance,
  p: { groupJid: string; from: string; name: string; text: string },
  store: (inst: SimInstance, data: { key: SimMessageRecord['key']; status: string }) => unknown,
) {
  requireOpen(inst);
  const g = inst.groups.get(p.groupJid);
  if (!g) throw new SimHttpError(404, [`The group "${p.groupJid}" does not exist on "${inst.name}"`]);
  const phoneJid = jidOf(p.from);
  const lid = simulatedLid(p.from);
  if (!g.participants.some((m) => m.phoneNumber === phoneJid)) {
    const member = { id: lid, phoneNumber: phoneJid, admin: null };
    g.participants.push(member);
    ctx.hooks.emit(inst, 'group-participants.update', {
      id: g.id,
      author: g.owner,
      participants: [member],
      action: 'add',
    });
  }
  const data = {
    key: {
      remoteJid: g.id,
      fromMe: false,
      id: incomingMessageId(),
      participant: lid,
      participantAlt: phoneJid,
      addressingMode: 'lid',
    },
    pushName: p.name,
    status: 'DELIVERY_ACK',
    message: { conversation: p.text },
    messageType: 'conversation',
    messageTimestamp: Math.floor(Date.now() / 1000),
    instanceId: inst.id,
    source: 'android',
  };
  store(inst, data);
  ctx.hooks.emit(inst, 'messages.upsert', data);
  return data;
}
