import { formatPriceCents, importErrorInfo, parsePriceCents } from '@atende/shared';
import { describe, expect, it } from 'vitest';
import { parseProductsCsv } from '../../src/services/product-csv.parser.js';

// Pure functions: how people write prices, and where a CSV row starts.
describe(parsePriceCents.name, () => {
  it.each([
    ['129,90', 12990],
    ['129.90', 12990],
    ['R$ 1.299,90', 129990],
    ['R$1.299,90', 129990],
    ['1,299.90', 129990],
    ['1.299', 129900], // three digits after the separator are thousands: a price has two decimals
    ['1,299', 129900],
    ['1.299.000,00', 129900000],
    ['129', 12900],
    ['12,5', 1250],
    ['0,99', 99],
    [' R$\u00a049,90 ', 4990],
    ['US$ 10.00', 1000],
    ['10 BRL', 1000],
    ['', null],
  ])('%j → %j cents', (text, cents) => {
    expect(parsePriceCents(text)).toEqual({ ok: true, cents });
  });

  it.each(['abc', '-5', '1.2345', '1.299.90', '1,2,3', '12,345,67', '99999999999', '1e5'])(
    '%j is not a price',
    (text) => {
      expect(parsePriceCents(text)).toMatchObject({ ok: false, reason: expect.any(String) });
    },
  );
});

describe(formatPriceCents.name, () => {
  it('formats like people read prices, with plain spaces', () => {
    expect(formatPriceCents(129990)).toBe('R$ 1.299,90');
    expect(formatPriceCents(12990, 'BRL', 'pt-BR')).toBe('R$ 129,90');
    expect(formatPriceCents(129990, 'BRL', 'en')).toBe('R$1,299.90');
    expect(formatPriceCents(500, 'USD', 'en')).toBe('$5.00');
  });
});

describe(parseProductsCsv.name, () => {
  it('numbers rows by the file line they start on (quoted newlines and blank lines counted)', () => {
    const r = parseProductsCsv('name,description\n"A","one\ntwo\nthree"\n\n\nB,x\r\nC,\n');
    expect(r.rows.map((x) => [x.line, x.product.name])).toEqual([
      [2, 'A'],
      [7, 'B'],
      [8, 'C'],
    ]);
  });

  it('picks the separator from the header (a `;` file keeps `129,90` whole)', () => {
    expect(parseProductsCsv('nome;preço\nA;129,90\n').rows[0]!.product).toEqual({
      name: 'A',
      priceCents: 12990,
    });
    expect(parseProductsCsv('name,price\nA,"129,90"\n').rows[0]!.product).toEqual({
      name: 'A',
      priceCents: 12990,
    });
  });

  it('reads pt-BR and English headers, any case and accents', () => {
    const r = parseProductsCsv(
      'NOME,Descrição,Preço,Moeda,Código,Ativo,URL da imagem\nA,d,1,usd,S1,não,https://x.example/a.png\n',
    );
    expect(r.rows[0]!.product).toEqual({
      name: 'A',
      description: 'd',
      priceCents: 100,
      currency: 'USD',
      sku: 'S1',
      active: false,
      imageUrl: 'https://x.example/a.png',
    });
  });

  it.each([
    ['name,active\nA,talvez\n', /active "talvez"/],
    ['name,imageUrl\nA,ftp://x\n', /^imageUrl:/],
    ['name,sku\nA,' + 'x'.repeat(65) + '\n', /^sku:/],
  ])('reports %j', (text, message) => {
    expect(parseProductsCsv(text).errors).toEqual([{ line: 2, message: expect.stringMatching(message) }]);
  });
});

describe(importErrorInfo.name, () => {
  it('classifies every message the parser writes (the dashboard translates by kind)', () => {
    const { errors } = parseProductsCsv(
      [
        'name,price,sku,active,currency,estoque',
        'A,abc,,,,',
        'B,1,S1,talvez,,',
        ',1,,,,',
        'C,1,S1,,,',
        'D,1,,,XYZ,',
      ].join('\n'),
    );
    expect(errors.map((e) => importErrorInfo(e.message))).toEqual([
      { kind: 'unknown_column', value: 'estoque' },
      { kind: 'price', value: 'abc' },
      { kind: 'active', value: 'talvez' },
      { kind: 'name_required' },
      { kind: 'field', field: 'currency' },
    ]);
    expect(importErrorInfo('sku "S1" repeats line 3')).toEqual({ kind: 'sku_repeats', value: 'S1', line: 3 });
    expect(importErrorInfo('name is required for a new product (no product has this sku)')).toEqual({
      kind: 'new_needs_name',
    });
    expect(importErrorInfo('something else')).toEqual({ kind: 'other' });
  });
});
