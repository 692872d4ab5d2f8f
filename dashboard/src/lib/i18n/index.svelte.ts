import { en } from './en';
import { ptBR, type MessageKey } from './pt-BR';

export type Locale = 'pt-BR' | 'en';
export type { MessageKey };

const STORAGE_KEY = 'atende.locale';
const dictionaries: Record<Locale, Record<MessageKey, string>> = { 'pt-BR': ptBR, en };

function initialLocale(): Locale {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved === 'pt-BR' || saved === 'en') return saved;
  } catch {
    // storage blocked: fall back to pt-BR
  }
  return 'pt-BR';
}

class I18n {
  locale = $state<Locale>(initialLocale());

  /** Switches language and remembers the choice. */
  set(locale: Locale): void {
    this.locale = locale;
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, locale);
    } catch {
      // ignore
    }
    if (typeof document !== 'undefined') document.documentElement.lang = locale;
  }
}

export const i18n = new I18n();

/**
 * Translates a key in the current language, filling `{name}` placeholders. Reactive: templates
 * re-render when the language changes.
 *
 * @example
 * t('overview.greeting', { name: 'Ana' }) // "Olá, Ana"
 */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = dictionaries[i18n.locale][key] ?? ptBR[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Time of day, e.g. "14:05". */
export function formatTime(iso: string): string {
  return new Date(iso).toLocaleTimeString(i18n.locale, { hour: '2-digit', minute: '2-digit' });
}

/** List timestamp: time today, "Ontem", weekday this week, else a short date. */
export function formatListTime(iso: string | null, now = new Date()): string {
  if (!iso) return '';
  const d = new Date(iso);
  const days = dayDiff(d, now);
  if (days === 0) return formatTime(iso);
  if (days === 1) return t('thread.yesterday');
  if (days < 7) return d.toLocaleDateString(i18n.locale, { weekday: 'short' });
  return d.toLocaleDateString(i18n.locale, { day: '2-digit', month: '2-digit', year: '2-digit' });
}

/** Day separator in a thread: "Hoje", "Ontem", or a long date. */
export function formatDay(day: string, now = new Date()): string {
  const [y, m, dd] = day.split('-').map(Number);
  const d = new Date(y!, m! - 1, dd!);
  const days = dayDiff(d, now);
  if (days === 0) return t('thread.today');
  if (days === 1) return t('thread.yesterday');
  return d.toLocaleDateString(i18n.locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: d.getFullYear() === now.getFullYear() ? undefined : 'numeric',
  });
}

function dayDiff(d: Date, now: Date): number {
  const a = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const b = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  return Math.round((b - a) / 86_400_000);
}

/** Digits-only phone → readable: Brazilian numbers as "+55 11 98765-4321". */
export function formatPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  const p = phone.replace(/\D/g, '');
  const br = /^55(\d{2})(\d{4,5})(\d{4})$/.exec(p);
  if (br) return `+55 ${br[1]} ${br[2]}-${br[3]}`;
  return `+${p}`;
}

/** Audio length "0:12". */
export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '';
  const total = Math.round(s);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/** A relative "há 5 min" style label. */
export function formatRelative(iso: string, now = Date.now()): string {
  const diff = Math.round((Date.parse(iso) - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(i18n.locale, { numeric: 'auto' });
  const abs = Math.abs(diff);
  if (abs < 60) return rtf.format(diff, 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}
