import { describe, expect, it } from 'vitest';
import { SealedBox } from '../../src/adapters/auth/sealed-box.js';

describe(SealedBox.name, () => {
  const box = new SealedBox('a session secret of at least thirty-two characters');

  it('opens what it sealed, and seals the same text differently each time', () => {
    const a = box.seal('refresh-token-1');
    expect(box.open(a)).toBe('refresh-token-1');
    expect(box.seal('refresh-token-1')).not.toBe(a);
    expect(a).not.toContain('refresh-token-1');
  });

  it('answers null, never throws, for another secret, a tampered box or garbage', () => {
    const sealed = box.seal('refresh-token-2');
    expect(new SealedBox('another secret of at least thirty-two characters').open(sealed)).toBeNull();
    const [v, iv, tag, body] = sealed.split('.');
    const flipped = body!.startsWith('A') ? `B${body!.slice(1)}` : `A${body!.slice(1)}`;
    expect(box.open([v, iv, tag, flipped].join('.'))).toBeNull();
    for (const junk of ['', 'v1', 'v1...', 'v2.a.b.c', 'not a box at all']) expect(box.open(junk)).toBeNull();
  });
});
