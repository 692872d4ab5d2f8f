/** A contact card's person: the name and the numbers it lists. */
export interface CardContact {
  name: string | null;
  phones: string[];
}

/**
 * Reads the name and phone numbers of a vCard (2.1/3.0/4.0, as WhatsApp shares contacts): `FN`
 * (or `N`), and every `TEL`, preferring WhatsApp's `waid` (digits) and else the number as written.
 * Folded lines and grouped properties (`item1.TEL`) are understood.
 *
 * @example
 *   parseVcard('BEGIN:VCARD\nFN:Ana\nitem1.TEL;waid=5511912345678:+55 11 91234-5678\nEND:VCARD')
 *   // → { name: 'Ana', phones: ['+55 11 91234-5678'] }
 */
export function parseVcard(vcard: string): CardContact {
  const lines = vcard.replace(/\r\n/g, '\n').replace(/\n[ \t]/g, '').split('\n');
  let name: string | null = null;
  let fallback: string | null = null;
  const phones: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const [prop = '', ...params] = line.slice(0, colon).split(';');
    const key = prop.replace(/^[^.]*\./, '').toUpperCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'FN' && value) name = value;
    if (key === 'N' && value) fallback = value.split(';').filter(Boolean).reverse().join(' ').trim() || null;
    if (key === 'TEL') {
      const waid = params.map((p) => p.match(/^waid=(\d+)$/i)?.[1]).find(Boolean);
      const shown = value.replace(/^tel:/i, '');
      const phone = shown || (waid ? `+${waid}` : '');
      if (phone && !phones.includes(phone)) phones.push(phone);
    }
  }
  return { name: name ?? fallback, phones };
}
