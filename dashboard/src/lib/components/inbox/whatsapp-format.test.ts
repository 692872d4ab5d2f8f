import { describe, expect, it } from 'vitest';
import { formatWhatsApp, type RichNode } from './whatsapp-format';

// Issue 11 (11): WhatsApp formatting showed raw and `www.` links were not linked.
const t = (text: string): RichNode => ({ kind: 'text', text });

describe(formatWhatsApp.name, () => {
  it('renders *bold*, _italic_, ~strike~, ```mono``` and `code`', () => {
    expect(formatWhatsApp('um *negrito* aqui')).toEqual([
      t('um '),
      { kind: 'bold', children: [t('negrito')] },
      t(' aqui'),
    ]);
    expect(formatWhatsApp('_itálico_')).toEqual([{ kind: 'italic', children: [t('itálico')] }]);
    expect(formatWhatsApp('~riscado~!')).toEqual([{ kind: 'strike', children: [t('riscado')] }, t('!')]);
    expect(formatWhatsApp('```linha 1\n*não* formata```')).toEqual([
      { kind: 'mono', text: 'linha 1\n*não* formata' },
    ]);
    expect(formatWhatsApp('use `npm i` já')).toEqual([t('use '), { kind: 'code', text: 'npm i' }, t(' já')]);
  });

  it('nests emphasis', () => {
    expect(formatWhatsApp('*_muito_ bom*')).toEqual([
      { kind: 'bold', children: [{ kind: 'italic', children: [t('muito')] }, t(' bom')] },
    ]);
  });

  it('leaves markers inside words, unmatched or around spaces alone', () => {
    for (const s of ['2*3*4', 'snake_case_name', '* solto *', 'só *um', 'a ~ b ~ c', '**', 'preço: R$ 5*']) {
      expect(formatWhatsApp(s), s).toEqual([t(s)]);
    }
    expect(formatWhatsApp('*várias\nlinhas*')).toEqual([t('*várias\nlinhas*')]);
  });

  it('links http(s):// and www. (without the trailing punctuation), also inside bold', () => {
    expect(formatWhatsApp('veja www.loja.com.br/promo.')).toEqual([
      t('veja '),
      { kind: 'link', text: 'www.loja.com.br/promo', href: 'https://www.loja.com.br/promo' },
      t('.'),
    ]);
    expect(formatWhatsApp('*https://a.com/x_y_z*')).toEqual([
      {
        kind: 'bold',
        children: [{ kind: 'link', text: 'https://a.com/x_y_z', href: 'https://a.com/x_y_z' }],
      },
    ]);
    // A marker pair inside a URL does not cut it.
    expect(formatWhatsApp('http://a.com/_b_/c ok')).toEqual([
      { kind: 'link', text: 'http://a.com/_b_/c', href: 'http://a.com/_b_/c' },
      t(' ok'),
    ]);
  });

  it('never turns other schemes or markup into anything but text', () => {
    expect(formatWhatsApp('javascript:alert(1) <img src=x onerror=alert(1)>')).toEqual([
      t('javascript:alert(1) <img src=x onerror=alert(1)>'),
    ]);
    expect(formatWhatsApp('`<b>`')).toEqual([{ kind: 'code', text: '<b>' }]);
  });
});
