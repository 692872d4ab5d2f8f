import { describe, expect, it } from 'vitest';
import { messageContent } from '../../src/adapters/evolution/webhook/message-content.normalizer.js';
import { parseRange } from '../../src/http/routes/media.routes.js';

describe('media details of WhatsApp messages', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  it('reads 2.3.6 index-keyed bytes and {low, high} lengths', () => {
    const thumb = Object.fromEntries([...png].map((b, i) => [String(i), b]));
    const c = messageContent({
      imageMessage: {
        mimetype: 'image/jpeg',
        fileLength: { low: 5000, high: 0, unsigned: true },
        jpegThumbnail: thumb,
        width: 10,
        height: 20,
      },
    });
    expect(c.media).toMatchObject({
      size: 5000,
      width: 10,
      height: 20,
      thumbnail: `data:image/png;base64,${png.toString('base64')}`,
    });
  });
  it('reads ≤ 2.3.5 base64 bytes and decimal-string lengths; a JPEG thumbnail stays a JPEG', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
    const c = messageContent({ imageMessage: { fileLength: '123', jpegThumbnail: jpeg.toString('base64') } });
    expect(c.media).toMatchObject({
      size: 123,
      thumbnail: `data:image/jpeg;base64,${jpeg.toString('base64')}`,
    });
  });
  it('keeps the voice-note flag and leaves out what WhatsApp did not send', () => {
    expect(messageContent({ audioMessage: { ptt: true, seconds: 4 } }).media).toEqual({
      mimetype: null,
      caption: null,
      fileName: null,
      seconds: 4,
      voiceNote: true,
    });
    expect(messageContent({ audioMessage: { ptt: false } }).media).not.toHaveProperty('voiceNote');
  });
});

describe('parseRange', () => {
  it.each([
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=900-', { start: 900, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }],
    ['bytes=0-5000', { start: 0, end: 999 }],
    ['bytes=1000-', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=5-1', 'unsatisfiable'],
    ['bytes=0-1,5-6', null],
    ['items=0-1', null],
    [undefined, null],
  ])('%s of 1000 bytes → %j', (h, want) => {
    expect(parseRange(h, 1000)).toEqual(want);
  });
});
