import {
  isOptOutText,
  normalizePhone,
  normalizePhoneList,
  renderCampaignText,
  splitPhoneText,
  estimateCampaignSeconds,
} from '@atende/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Small tier: pure functions of shared/ (phone numbers, campaign text, opt-out words).

describe(normalizePhone.name, () => {
  it.each([
    ['(11) 98765-4321', '5511987654321'],
    ['11 98765 4321', '5511987654321'],
    ['11987654321', '5511987654321'],
    ['+55 11 98765-4321', '5511987654321'],
    ['5511987654321', '5511987654321'],
    ['(11) 8765-4321', '5511987654321'], // mobile without the 9th digit
    ['551187654321', '5511987654321'],
    ['+55 (21) 7654-3210', '5521976543210'],
    ['011 98765-4321', '5511987654321'], // trunk prefix
    ['0055 11 98765 4321', '5511987654321'],
    ['(11) 3333-4444', '551133334444'], // landline keeps 8 digits
    ['+1 (415) 555-2671', '14155552671'],
    ['+351 912 345 678', '351912345678'],
    [' 11.98765.4321 ', '5511987654321'],
  ])('%s → %s', (input, phone) => {
    expect(normalizePhone(input)).toEqual({ ok: true, phone });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['abc', 'characters'],
    ['11 98765-4321 ramal 2', 'characters'],
    ['11+987654321', 'characters'],
    ['123', 'length'],
    ['+1 234', 'length'],
    ['(00) 91234-5678', 'area_code'],
    ['(20) 91234-5678', 'area_code'],
    ['(11) 81234-5678', 'subscriber'], // 9 digits must start with 9
    ['(11) 1234-5678', 'subscriber'],
    ['55 11 98765-43210', 'length'],
  ])('%j is refused (%s)', (input, reason) => {
    expect(normalizePhone(input)).toEqual({ ok: false, reason });
  });

  it('is idempotent: a normalised number with its + normalises to itself', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\+?[0-9 ()-]{0,20}$/), (s) => {
        const r = normalizePhone(s);
        if (r.ok) expect(normalizePhone(`+${r.phone}`)).toEqual(r);
      }),
    );
  });
});

describe(normalizePhoneList.name, () => {
  it('dedupes by normalised number and reports each invalid entry with its index', () => {
    expect(normalizePhoneList(['11 98765-4321', '+55 (11) 8765-4321', 'abc', '21 3333-4444', '12'])).toEqual({
      phones: ['5511987654321', '552133334444'],
      invalid: [
        { index: 2, input: 'abc', reason: 'characters' },
        { index: 4, input: '12', reason: 'length' },
      ],
    });
  });

  it('splits pasted text on lines, commas and semicolons', () => {
    expect(splitPhoneText('11 98765-4321, 21 3333-4444\n\n;+1 415 555 2671\r\n')).toEqual([
      '11 98765-4321',
      '21 3333-4444',
      '+1 415 555 2671',
    ]);
  });
});

describe(renderCampaignText.name, () => {
  it('puts the name in, or takes the placeholder and its space out', () => {
    expect(renderCampaignText('Olá {{name}}, tudo bem?', 'Ana')).toBe('Olá Ana, tudo bem?');
    expect(renderCampaignText('Olá {{ name }}! {{name}}', ' Bia ')).toBe('Olá Bia! Bia');
    expect(renderCampaignText('Olá {{name}}, tudo bem?', null)).toBe('Olá, tudo bem?');
    expect(renderCampaignText('Oi {{name}}', '')).toBe('Oi');
    expect(renderCampaignText('Sem nome', 'Ana')).toBe('Sem nome');
    expect(renderCampaignText('{{name}} $& \\1', '$1 \\&')).toBe('$1 \\& $& \\1');
  });
});

describe(isOptOutText.name, () => {
  it.each([
    'SAIR',
    'sair',
    'Sair!',
    '  parar. ',
    'STOP',
    'Cancelar',
    'descadastrar 🙏',
    'DESCADASTRAR!!!',
    'Sáir',
    '*PARAR*',
  ])('%j opts out', (t) => {
    expect(isOptOutText(t)).toBe(true);
  });
  it.each(['quero sair', 'sair da lista', 'stop it', 'SAIRR', '', null, 'parar de receber'])(
    '%j does not',
    (t) => {
      expect(isOptOutText(t)).toBe(false);
    },
  );
});

describe(estimateCampaignSeconds.name, () => {
  it('counts gaps at the rate plus the breaks', () => {
    expect(estimateCampaignSeconds(0, 20)).toBe(0);
    expect(estimateCampaignSeconds(1, 20)).toBe(0);
    expect(estimateCampaignSeconds(21, 20)).toBe(60);
    expect(estimateCampaignSeconds(101, 60, { breakEvery: 50, breakMs: 30_000 })).toBe(160);
  });
});
