/**
 * WhatsApp JID rules (docs/evolution.md "Identities"): device suffixes stripped, a person identified by phone
 * JID when any form of the key gives one, otherwise by LID, both kept so they can be merged.
 */

/** A person's two identities; at least one is set. */
export interface Identity {
  /** Phone JID, `<digits>@s.whatsapp.net`. */
  jid: string | null;
  /** `<digits>@lid`. */
  lid: string | null;
}

/**
 * Strips the device suffix and normalises the legacy `@c.us` server.
 *
 * @example
 *   normalizeJid('5573999990001:75@s.whatsapp.net') // → '5573999990001@s.whatsapp.net'
 */
export function normalizeJid(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  const m = /^([^@:\s]+)(?::\d+)?@([a-z.]+)$/i.exec(raw.trim());
  if (!m) return null;
  const server = m[2]!.toLowerCase() === 'c.us' ? 's.whatsapp.net' : m[2]!.toLowerCase();
  return `${m[1]}@${server}`;
}

export const isPhoneJid = (j: string | null): j is string => !!j && /^\d+@s\.whatsapp\.net$/.test(j);
export const isLid = (j: string | null): j is string => !!j && /^\d+@lid$/.test(j);
export const isGroupJid = (j: string | null): j is string => !!j && j.endsWith('@g.us');
/** Chats the Motor never stores: status updates, broadcast lists, newsletters (channels). */
export const isIgnoredChat = (j: string | null) =>
  !j || j.endsWith('@broadcast') || j.endsWith('@newsletter');

/**
 * Picks the phone JID and the LID among every form a key may carry (`remoteJid`, `remoteJidAlt`,
 * `senderPn`, …, or `participant`, `participantAlt`, … in groups). Null when neither is present.
 *
 * @example
 *   identityOf(['100000000000001@lid', '5511999990001@s.whatsapp.net'])
 *   // → { jid: '5511999990001@s.whatsapp.net', lid: '100000000000001@lid' }
 */
export function identityOf(candidates: ReadonlyArray<string | null | undefined>): Identity | null {
  const norm = candidates.map(normalizeJid);
  const jid = norm.find(isPhoneJid) ?? null;
  const lid = norm.find(isLid) ?? null;
  return jid || lid ? { jid, lid } : null;
}

/**
 * The digits of a JID's user part (phone numbers are digits only, country code first).
 *
 * @example
 *   phoneOf('5511999990000@s.whatsapp.net') // → '5511999990000'
 */
export function phoneOf(jid: string | null | undefined): string | null {
  const n = normalizeJid(jid);
  if (!isPhoneJid(n)) return null;
  return n.split('@')[0]!;
}

/** A push name worth storing: not empty, not just the number, not Evolution's "Você" for fromMe. */
export function usefulPushName(name: string | null | undefined, jid?: string | null): string | null {
  const t = typeof name === 'string' ? name.trim() : '';
  if (!t || t === 'Você') return null;
  const digits = t.replace(/\D/g, '');
  if (digits.length >= 6 && digits === t.replace(/[\s+()-]/g, '')) return null; // only a number
  if (jid && t === jid) return null;
  return t.slice(0, 200);
}
