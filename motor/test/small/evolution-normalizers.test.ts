import { describe, expect, it } from 'vitest';
import {
  identityOf,
  isIgnoredChat,
  normalizeJid,
  phoneOf,
  usefulPushName,
} from '../../src/adapters/evolution/webhook/jid.normalizer.js';
import { receiptStatus } from '../../src/adapters/evolution/webhook/status.normalizer.js';

describe('Evolution JID rules', () => {
  it('strips device suffixes and maps the legacy @c.us server', () => {
    expect(normalizeJid('5573999990001:75@s.whatsapp.net')).toBe('5573999990001@s.whatsapp.net');
    expect(normalizeJid(' 5511999990000@c.us ')).toBe('5511999990000@s.whatsapp.net');
    expect(normalizeJid('not a jid')).toBeNull();
    expect(normalizeJid(undefined)).toBeNull();
  });

  it('prefers the phone JID and keeps the LID beside it', () => {
    expect(identityOf(['100000000000001@lid', '5511999990001:3@s.whatsapp.net'])).toEqual({
      jid: '5511999990001@s.whatsapp.net',
      lid: '100000000000001@lid',
    });
    expect(identityOf(['100000000000001@lid'])).toEqual({ jid: null, lid: '100000000000001@lid' });
    expect(identityOf([null, 'garbage'])).toBeNull();
  });

  it('gives phone digits only for phone JIDs', () => {
    expect(phoneOf('5511999990000@s.whatsapp.net')).toBe('5511999990000');
    expect(phoneOf('100000000000001@lid')).toBeNull();
    expect(phoneOf('120363000000000000@g.us')).toBeNull();
  });

  it('ignores status broadcasts and channels', () => {
    expect(isIgnoredChat('status@broadcast')).toBe(true);
    expect(isIgnoredChat('120363000000000000@newsletter')).toBe(true);
    expect(isIgnoredChat('5511999990000@s.whatsapp.net')).toBe(false);
  });

  it('keeps only push names worth storing', () => {
    expect(usefulPushName('  Ana Souza ')).toBe('Ana Souza');
    expect(usefulPushName('Você')).toBeNull();
    expect(usefulPushName('+55 (11) 99999-0000')).toBeNull();
    expect(usefulPushName('x'.repeat(300))).toHaveLength(200);
  });
});

describe('Evolution receipt statuses', () => {
  it('maps words and numeric codes, and ignores DELETED', () => {
    expect(receiptStatus('DELIVERY_ACK')).toBe('delivered');
    expect(receiptStatus('played')).toBe('read');
    expect(receiptStatus(3)).toBe('delivered');
    expect(receiptStatus('DELETED')).toBeNull();
    expect(receiptStatus(null)).toBeNull();
  });
});
