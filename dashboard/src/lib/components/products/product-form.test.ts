import { describe, expect, it } from 'vitest';
import { i18n } from '$lib/i18n/index.svelte';
import { emptyForm, importErrorText, priceInput, priceText, validateForm } from './product-form';

describe('product form', () => {
  it('formats prices for the language, and "no price"', () => {
    i18n.locale = 'pt-BR';
    expect(priceText({ priceCents: 129990, currency: 'BRL' })).toBe('R$ 1.299,90');
    expect(priceText({ priceCents: null, currency: 'BRL' })).toBe('Sem preço');
    expect(priceInput(129990)).toBe('1.299,90');
    i18n.locale = 'en';
    expect(priceText({ priceCents: 129990, currency: 'BRL' })).toBe('R$1,299.90');
    expect(priceInput(129990)).toBe('1,299.90');
  });

  it('builds the body the Motor takes from what the agent typed', () => {
    const r = validateForm({ ...emptyForm(), name: ' Boné ', price: 'R$ 1.299,90', sku: '', imageUrl: '' });
    expect(r).toEqual({
      body: {
        name: 'Boné',
        description: null,
        priceCents: 129990,
        currency: 'BRL',
        sku: null,
        active: true,
        imageUrl: null,
      },
    });
  });

  it('says what is wrong per field, in the agent’s language', () => {
    i18n.locale = 'pt-BR';
    const r = validateForm({
      ...emptyForm(),
      price: '12,3,4',
      imageUrl: 'ftp://x',
      currency: 'XYZ',
      sku: 'x'.repeat(65),
    });
    expect(r).toEqual({
      fields: {
        name: 'Informe o nome do produto',
        price: 'Preço inválido. Use por exemplo 129,90 ou 1.299,90',
        imageUrl: 'Use um endereço que comece com http:// ou https://',
        currency: 'Use um código de moeda de 3 letras (ISO 4217), como BRL',
        sku: 'No máximo 64 caracteres',
      },
    });
  });

  it('translates the import report, keeping unknown messages as they are', () => {
    i18n.locale = 'pt-BR';
    expect(importErrorText('price "abc": not a price (use e.g. 129,90 or 129.90)')).toBe(
      'Preço inválido: "abc"',
    );
    expect(importErrorText('sku "A1" repeats line 4')).toBe('O SKU "A1" repete a linha 4');
    expect(importErrorText('currency: unknown ISO 4217 currency code')).toBe(
      'Moeda inválida (use um código como BRL)',
    );
    i18n.locale = 'en';
    expect(importErrorText('name is required')).toBe('Missing product name');
    expect(importErrorText('something new')).toBe('something new');
  });
});
