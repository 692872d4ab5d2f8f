import { describe, expect, it } from 'vitest';
import { buildPrompt, formatPrice } from '../../src/services/ai-prompt.js';

describe('buildPrompt', () => {
  const product = (i: number) => ({
    name: `Tênis ${i}`,
    description: `Descrição ${i}`,
    priceCents: 12990 + i,
    currency: 'BRL',
    sku: `TN-${i}`,
  });

  it('formats prices like R$ 129,90 with a plain space', () => {
    expect(formatPrice(12990)).toBe('R$ 129,90');
    expect(formatPrice(129990)).toBe('R$ 1.299,90');
    expect(formatPrice(0)).toBe('R$ 0,00');
  });

  it('one system message (description, instructions, ≤ 8 products) then ≤ 20 user/assistant turns', () => {
    const history = Array.from({ length: 25 }, (_, i) => ({
      role: (i % 2 ? 'assistant' : 'user') as 'user' | 'assistant',
      content: `m${i}`,
    }));
    const out = buildPrompt({
      businessDescription: 'Loja de calçados em Recife',
      instructions: 'Ofereça frete grátis acima de R$ 200',
      products: Array.from({ length: 10 }, (_, i) => product(i)),
      history,
    });
    expect(out[0]!.role).toBe('system');
    const system = out[0]!.content;
    expect(system).toContain('Loja de calçados em Recife');
    expect(system).toContain('Ofereça frete grátis acima de R$ 200');
    expect(system).toContain('- Tênis 0 — R$ 129,90 — SKU TN-0\n  Descrição 0');
    expect(system).toContain('Tênis 7');
    expect(system).not.toContain('Tênis 8');
    expect(out.slice(1)).toEqual(history.slice(5));
    expect(out).toHaveLength(21);
  });

  it('says so when no product matches, and drops empty turns', () => {
    const out = buildPrompt({
      businessDescription: '',
      instructions: '',
      products: [],
      history: [{ role: 'user', content: '  ' }],
    });
    expect(out).toHaveLength(1);
    expect(out[0]!.content).toContain('Nenhum produto');
  });
});
