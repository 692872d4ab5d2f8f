/**
 * Phone numbers as people type them, normalised to WhatsApp's digits (country code first).
 * Pure: no I/O, shared by the Motor (campaign audiences, new conversations) and the dashboard
 * (live feedback while pasting a list).
 *
 * Brazil first: `(11) 98765-4321`, `11 8765-4321` (a mobile without its 9th digit), `+55 11 …`,
 * `0 11 …` (trunk prefix) all become `55` + area code + 9 digits for mobiles, 8 for landlines.
 * Other countries need a leading `+` (or `00`) and are kept as 8–15 digits.
 */

/** Why a number was refused (stable codes; the dashboard translates them). */
export type PhoneProblem = 'empty' | 'characters' | 'length' | 'area_code' | 'subscriber';

export const PHONE_PROBLEM_TEXT: Record<PhoneProblem, string> = {
  empty: 'empty',
  characters: 'only digits, spaces, "+", "-", "." and parentheses are allowed',
  length: 'wrong number of digits',
  area_code: 'unknown Brazilian area code (DDD)',
  subscriber: 'not a valid Brazilian mobile or landline number',
};

export type PhoneResult = { ok: true; phone: string } | { ok: false; reason: PhoneProblem };

// Brazil's area codes (DDD) in use.
const BR_DDD = new Set(
  (
    '11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38 41 42 43 44 45 46 47 48 49 ' +
    '51 53 54 55 61 62 63 64 65 66 67 68 69 71 73 74 75 77 79 81 82 83 84 85 86 87 88 89 ' +
    '91 92 93 94 95 96 97 98 99'
  ).split(' '),
);

/**
 * One number → its digits, or why not.
 *
 * @example
 *   normalizePhone('(11) 8765-4321') // { ok: true, phone: '5511987654321' }
 *   normalizePhone('+1 415 555 2671') // { ok: true, phone: '14155552671' }
 *   normalizePhone('12 3456')         // { ok: false, reason: 'length' }
 */
export function normalizePhone(input: string): PhoneResult {
  const raw = input.trim();
  if (raw === '') return { ok: false, reason: 'empty' };
  if (!/^\+?[0-9\s().-]+$/.test(raw)) return { ok: false, reason: 'characters' };
  let digits = raw.replace(/\D/g, '');
  let international = raw.startsWith('+');
  if (!international && raw.startsWith('00')) {
    digits = digits.slice(2);
    international = true;
  }
  if (international) {
    if (digits.startsWith('55')) return brazilian(digits.slice(2));
    return digits.length >= 8 && digits.length <= 15
      ? { ok: true, phone: digits }
      : { ok: false, reason: 'length' };
  }
  if (digits.startsWith('0') && (digits.length === 11 || digits.length === 12)) digits = digits.slice(1);
  if (digits.length === 10 || digits.length === 11) return brazilian(digits);
  if ((digits.length === 12 || digits.length === 13) && digits.startsWith('55'))
    return brazilian(digits.slice(2));
  return { ok: false, reason: 'length' };
}

/** `national`: area code + subscriber number, without the country code. */
function brazilian(national: string): PhoneResult {
  if (national.length !== 10 && national.length !== 11) return { ok: false, reason: 'length' };
  const ddd = national.slice(0, 2);
  const number = national.slice(2);
  if (!BR_DDD.has(ddd)) return { ok: false, reason: 'area_code' };
  if (number.length === 9) {
    return number.startsWith('9')
      ? { ok: true, phone: `55${ddd}${number}` }
      : { ok: false, reason: 'subscriber' };
  }
  if (/^[6-9]/.test(number)) return { ok: true, phone: `55${ddd}9${number}` }; // mobile without its 9th digit
  if (/^[2-5]/.test(number)) return { ok: true, phone: `55${ddd}${number}` }; // landline
  return { ok: false, reason: 'subscriber' };
}

export interface InvalidPhone {
  /** Position in the list as given. */
  index: number;
  input: string;
  reason: PhoneProblem;
}

/**
 * A pasted list → unique normalised numbers (first occurrence order) and every invalid entry.
 *
 * @example
 *   normalizePhoneList(['11 98765-4321', '+55 (11) 8765-4321', 'abc'])
 *   // { phones: ['5511987654321'], invalid: [{ index: 2, input: 'abc', reason: 'characters' }] }
 */
export function normalizePhoneList(list: readonly string[]): { phones: string[]; invalid: InvalidPhone[] } {
  const seen = new Set<string>();
  const phones: string[] = [];
  const invalid: InvalidPhone[] = [];
  list.forEach((input, index) => {
    const r = normalizePhone(input);
    if (!r.ok) invalid.push({ index, input, reason: r.reason });
    else if (!seen.has(r.phone)) {
      seen.add(r.phone);
      phones.push(r.phone);
    }
  });
  return { phones, invalid };
}

/**
 * Splits pasted text (one number per line, or separated by commas/semicolons) into entries.
 *
 * @example splitPhoneText('11 98765-4321, 21 2345-6789\n') // ['11 98765-4321', '21 2345-6789']
 */
export function splitPhoneText(text: string): string[] {
  return text
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
