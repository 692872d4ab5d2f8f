import { describe, expect, it } from 'vitest';
import { Drafts, type DraftScope } from './drafts';

// Issue 11 (1): text typed for one conversation stayed in the composer of the next one.
function memoryStorage() {
  const map = new Map<string, string>();
  return {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
    map,
  };
}

describe(Drafts.name, () => {
  const ana: DraftScope = { accountId: 'acc-1', userId: 'ana' };

  it('keeps one draft per conversation, never shown in another', () => {
    const storage = memoryStorage();
    const sut = new Drafts(
      () => ana,
      () => storage,
    );
    sut.set('conv-a', 'Seu pedido saiu para entrega');
    expect(sut.get('conv-b')).toBe('');
    sut.set('conv-b', 'Olá Bruno');
    expect(sut.get('conv-a')).toBe('Seu pedido saiu para entrega');
    expect(sut.get('conv-b')).toBe('Olá Bruno');
  });

  it('survives a reload (a new instance over the same storage) and is removed when emptied', () => {
    const storage = memoryStorage();
    new Drafts(
      () => ana,
      () => storage,
    ).set('conv-a', 'rascunho');
    const afterReload = new Drafts(
      () => ana,
      () => storage,
    );
    expect(afterReload.get('conv-a')).toBe('rascunho');
    afterReload.set('conv-a', '   ');
    expect(afterReload.get('conv-a')).toBe('');
    expect(storage.map.size).toBe(0);
  });

  it('is scoped by account and user, and does nothing before login or without storage', () => {
    const storage = memoryStorage();
    new Drafts(
      () => ana,
      () => storage,
    ).set('conv-a', 'da Ana');
    expect(
      new Drafts(
        () => ({ accountId: 'acc-1', userId: 'bia' }),
        () => storage,
      ).get('conv-a'),
    ).toBe('');
    expect(
      new Drafts(
        () => ({ accountId: 'acc-2', userId: 'ana' }),
        () => storage,
      ).get('conv-a'),
    ).toBe('');
    const anonymous = new Drafts(
      () => null,
      () => storage,
    );
    anonymous.set('conv-a', 'x');
    expect(anonymous.get('conv-a')).toBe('');
    expect(
      new Drafts(
        () => ana,
        () => null,
      ).get('conv-a'),
    ).toBe('');
  });
});
