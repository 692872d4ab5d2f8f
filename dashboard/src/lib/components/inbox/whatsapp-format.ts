/**
 * WhatsApp's text formatting as a tree the bubble renders with plain Svelte elements (never
 * {@html}): `*negrito*`, `_itálico_`, `~riscado~`, ```` ```mono``` ```` (may span lines), `` `código` ``,
 * and links (http://, https:// and www.). Markers count only at word edges, as in WhatsApp:
 * `2*3*4` and `snake_case_name` stay plain; a link is never cut by a marker inside it.
 */
export type RichNode =
  | { kind: 'text'; text: string }
  | { kind: 'link'; text: string; href: string }
  | { kind: 'mono' | 'code'; text: string }
  | { kind: 'bold' | 'italic' | 'strike'; children: RichNode[] };

const EMPHASIS = { '*': 'bold', _: 'italic', '~': 'strike' } as const;
type Marker = keyof typeof EMPHASIS;

// Opening marker: at the start or after a non-word character, followed by a non-space; closing
// marker: after a non-space, followed by the end or a non-word character. One line only.
const emphasisRe = (m: string) => {
  const q = m === '*' ? '\\*' : m;
  return new RegExp(
    `(?<![\\p{L}\\p{N}${q}])${q}(?=[^\\s${q}])([^\\n]*?[^\\s${q}])${q}(?![\\p{L}\\p{N}${q}])`,
    'gu',
  );
};
const EMPHASIS_RE = Object.fromEntries(Object.keys(EMPHASIS).map((m) => [m, emphasisRe(m)])) as Record<
  Marker,
  RegExp
>;
const LINK_RE = /\b(?:https?:\/\/|www\.)[^\s<>"']*[^\s<>"'.,;:!?)\]}*_~]/giu;
const MONO_RE = /```([\s\S]+?)```/g;
const CODE_RE = /`([^`\n]+)`/g;

/** Parses a message text (plain string, any content) into formatting nodes. */
export function formatWhatsApp(text: string): RichNode[] {
  return splitBy(
    text,
    MONO_RE,
    (body) => ({ kind: 'mono', text: body }),
    (rest) => splitBy(rest, CODE_RE, (body) => ({ kind: 'code', text: body }), inline),
  );
}

/** Splits on a literal block (mono, code); the parts between go through `next`. */
function splitBy(
  text: string,
  re: RegExp,
  node: (body: string) => RichNode,
  next: (text: string) => RichNode[],
): RichNode[] {
  const out: RichNode[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(...next(text.slice(last, m.index)));
    out.push(node(m[1]!));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(...next(text.slice(last)));
  return out;
}

/** Bold / italic / strike (nested), links inside and outside them. */
function inline(text: string): RichNode[] {
  const links = [...text.matchAll(LINK_RE)].map((m) => [m.index, m.index + m[0].length] as const);
  const inLink = (i: number) => links.some(([a, b]) => i >= a && i < b);
  let best: { start: number; end: number; marker: Marker; body: string } | null = null;
  for (const marker of Object.keys(EMPHASIS) as Marker[]) {
    for (const m of text.matchAll(EMPHASIS_RE[marker])) {
      const end = m.index + m[0].length;
      if (inLink(m.index) || inLink(end - 1)) continue;
      if (!best || m.index < best.start) best = { start: m.index, end, marker, body: m[1]! };
      break;
    }
  }
  if (!best) return linkify(text);
  return [
    ...linkify(text.slice(0, best.start)),
    { kind: EMPHASIS[best.marker], children: inline(best.body) },
    ...inline(text.slice(best.end)),
  ];
}

/** Plain text with http(s):// and www. links. */
export function linkify(text: string): RichNode[] {
  const out: RichNode[] = [];
  let last = 0;
  for (const m of text.matchAll(LINK_RE)) {
    if (m.index > last) out.push({ kind: 'text', text: text.slice(last, m.index) });
    const href = /^www\./i.test(m[0]) ? `https://${m[0]}` : m[0];
    out.push({ kind: 'link', text: m[0], href });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}
