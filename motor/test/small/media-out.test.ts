import { describe, expect, it } from 'vitest';
import { parseVcard } from '../../src/adapters/evolution/webhook/vcard.js';
import { messageContent } from '../../src/adapters/evolution/webhook/message-content.normalizer.js';
import { classifyUpload } from '../../src/services/media-types.js';
import { sampleVcard } from '../../src/simulator/sample-media.js';

const MB = 1024 * 1024;

describe('classifyUpload: what WhatsApp takes, decided from the sniffed type', () => {
  const head = Buffer.from('qualquer');
  it('photos, video and playable audio keep their kind and the 16 MB limit', () => {
    expect(classifyUpload('image/png', 'x.png', head)).toEqual({ kind: 'image', mimetype: 'image/png', limit: 16 * MB });
    expect(classifyUpload('video/mp4', 'x.mp4', head)).toMatchObject({ kind: 'video', limit: 16 * MB });
    expect(classifyUpload('audio/mpeg', 'x.mp3', head)).toEqual({ kind: 'audio', mimetype: 'audio/mpeg', limit: 16 * MB });
  });
  it('a browser recording (webm) and a WAV go as voice notes (Evolution converts them)', () => {
    expect(classifyUpload('video/webm', 'mensagem-de-voz.webm', head)).toMatchObject({
      kind: 'audio',
      mimetype: 'audio/webm',
      voiceOnly: true,
    });
    expect(classifyUpload('audio/wav', 'a.wav', head)).toMatchObject({ kind: 'audio', voiceOnly: true });
    expect(classifyUpload('video/mp4', 'nota.m4a', head)).toMatchObject({ kind: 'audio', mimetype: 'audio/mp4' });
  });
  it('documents get 100 MB; old Office files are named by their extension', () => {
    expect(classifyUpload('application/pdf', 'p.pdf', head)).toMatchObject({ kind: 'document', limit: 100 * MB });
    expect(classifyUpload('application/x-cfb', 'planilha.xls', head)).toMatchObject({
      mimetype: 'application/vnd.ms-excel',
    });
  });
  it('text only when it is named .txt/.csv and is UTF-8 without NUL bytes', () => {
    expect(classifyUpload(null, 'lista.txt', Buffer.from('Preços: R$ 10'))).toMatchObject({ mimetype: 'text/plain' });
    expect(classifyUpload(null, 'a.csv', Buffer.from('a;b\n1;2'))).toMatchObject({ mimetype: 'text/csv' });
    expect(classifyUpload(null, 'lista.txt', Buffer.from([0x41, 0, 0x42]))).toBeNull();
    expect(classifyUpload(null, 'lista.txt', Buffer.from([0xc3, 0x28, 0x41, 0x41, 0x41, 0x41, 0x41]))).toBeNull();
    expect(classifyUpload(null, 'x.bin', Buffer.from('texto'))).toBeNull();
  });
  it('executables and unknown kinds are refused', () => {
    expect(classifyUpload('application/x-msdownload', 'foto.jpg', head)).toBeNull();
    expect(classifyUpload('application/x-elf', 'a', head)).toBeNull();
    expect(classifyUpload('image/svg+xml', 'a.svg', head)).toBeNull();
  });
});

describe('contact cards keep their numbers', () => {
  it('reads FN and every TEL, folded lines and grouped properties included', () => {
    expect(parseVcard(sampleVcard('Loja Parceira', '5511912345678'))).toEqual({
      name: 'Loja Parceira',
      phones: ['+55 11 91234-5678'],
    });
    const card = 'BEGIN:VCARD\r\nVERSION:3.0\r\nN:Silva;Ana;;;\r\nTEL;type=CELL;waid=5521988887777:\r\n' +
      'TEL;TYPE=WORK:+55 21 3333-\r\n 4444\r\nEND:VCARD';
    expect(parseVcard(card)).toEqual({ name: 'Ana Silva', phones: ['+5521988887777', '+55 21 3333-4444'] });
  });
  it('the message text and media carry the number (one card or several)', () => {
    const one = messageContent({ contactMessage: { displayName: 'Loja', vcard: sampleVcard() } });
    expect(one.text).toBe('👤 Loja Parceira · +55 11 91234-5678');
    expect(one.media?.contacts).toEqual([{ name: 'Loja Parceira', phones: ['+55 11 91234-5678'] }]);
    const many = messageContent({
      contactsArrayMessage: {
        displayName: '2 contatos',
        contacts: [
          { displayName: 'A', vcard: sampleVcard('Ana', '5511911112222') },
          { displayName: 'B', vcard: 'BEGIN:VCARD\nEND:VCARD' },
        ],
      },
    });
    expect(many.text).toBe('👤 2 contatos');
    expect(many.media?.contacts).toEqual([
      { name: 'Ana', phones: ['+55 11 91111-2222'] },
      { name: 'B', phones: [] },
    ]);
  });
});
