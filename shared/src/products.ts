import { z } from 'zod';
import { storableTimestampSchema } from './timestamps.js';

/** The catalogue the AI answers from (CONTRACT "Products"). Prices are integer cents. */
export const productSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  priceCents: z.number().int().nullable(),
  currency: z.string(),
  sku: z.string().nullable(),
  active: z.boolean(),
  imageUrl: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Product = z.infer<typeof productSchema>;

/** A product as `app.match_products` ranks it for the AI's prompt. */
export type MatchedProduct = Product & { score: number; matched: boolean };

export const PRODUCT_LIMITS = {
  name: 200,
  description: 4000,
  sku: 64,
  imageUrl: 2048,
  /** The largest price the database stores (a Postgres integer of cents). */
  priceCents: 2_147_483_647,
  /** Data rows per CSV import. */
  importRows: 10_000,
} as const;

const knownCurrencies = new Set(
  typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('currency') : [],
);

/** An ISO 4217 code, any case in, upper case out: `brl` → `BRL`. */
export const currencySchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, 'use a three-letter ISO 4217 code, e.g. BRL')
  .refine((c) => knownCurrencies.size === 0 || knownCurrencies.has(c), 'unknown ISO 4217 currency code');

/** Optional text that may be cleared: '' and null both mean "none". */
const optionalText = (max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? null : v),
    z.string().trim().max(max).nullable().optional(),
  );

const imageUrlSchema = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? null : v),
  z
    .string()
    .trim()
    .max(PRODUCT_LIMITS.imageUrl)
    .pipe(z.url({ protocol: /^https?$/, error: 'use an http:// or https:// address' }))
    .nullable()
    .optional(),
);

const productFields = {
  name: z.string().trim().min(1).max(PRODUCT_LIMITS.name),
  description: optionalText(PRODUCT_LIMITS.description),
  priceCents: z.number().int().min(0).max(PRODUCT_LIMITS.priceCents).nullable().optional(),
  currency: currencySchema,
  sku: optionalText(PRODUCT_LIMITS.sku),
  active: z.boolean(),
  imageUrl: imageUrlSchema,
};

/** POST /api/products */
export const createProductBodySchema = z.object({
  ...productFields,
  currency: productFields.currency.default('BRL'),
  active: productFields.active.default(true),
});
export type CreateProductBody = z.infer<typeof createProductBodySchema>;

/** PATCH /api/products/:id: any field of the create body; null clears an optional one. */
export const updateProductBodySchema = z.object({
  ...productFields,
  name: productFields.name.optional(),
  currency: productFields.currency.optional(),
  active: productFields.active.optional(),
});
export type UpdateProductBody = z.infer<typeof updateProductBodySchema>;

const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

/** GET /api/products. `before`: the id of the last product of the previous page (or a timestamp). */
export const listProductsQuerySchema = z.object({
  q: z.string().trim().max(200).optional(),
  active: booleanQuery.optional(),
  before: z.union([z.uuid(), storableTimestampSchema]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListProductsQuery = z.infer<typeof listProductsQuerySchema>;

/** POST /api/products/import → 200. `line` is the line of the file where the row starts (header = 1). */
export const productImportResultSchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  errors: z.array(z.object({ line: z.number().int(), message: z.string() })),
});
export type ProductImportResult = z.infer<typeof productImportResultSchema>;

/** The columns a CSV header may name (case, accents, spaces, `_` and pt-BR names are tolerated). */
export const PRODUCT_CSV_COLUMNS = [
  'name',
  'description',
  'price',
  'currency',
  'sku',
  'active',
  'imageUrl',
] as const;
export type ProductCsvColumn = (typeof PRODUCT_CSV_COLUMNS)[number];

export type PriceParse = { ok: true; cents: number | null } | { ok: false; reason: string };

/**
 * Reads a price as people type it into a spreadsheet or a form, into integer cents. A currency
 * symbol or code and spaces are ignored. The last `,` or `.` followed by one or two digits is the
 * decimal separator; a separator followed by exactly three digits groups thousands. So `129,90`,
 * `129.90` → 12990; `R$ 1.299,90`, `1,299.90` → 129990; `1.299` and `1,299` → 129900 (a price has
 * at most two decimals, so three digits after the separator can only be thousands); `129` → 12900.
 * Empty → `cents: null` (no price).
 *
 * @example parsePriceCents('R$ 1.299,90') // { ok: true, cents: 129990 }
 */
export function parsePriceCents(input: string): PriceParse {
  const text = input
    .replace(/[\s\u00a0]+/g, '')
    .replace(/^(R\$|US\$|\$|€|£|[A-Za-z]{3})(?=[\d-])/, '')
    .replace(/(?<=\d)[A-Za-z]{3}$/, '');
  if (text === '') return { ok: true, cents: null };
  if (text.startsWith('-')) return { ok: false, reason: 'a price cannot be negative' };
  if (!/^\d[\d.,]*$/.test(text)) return { ok: false, reason: 'not a price (use e.g. 129,90 or 129.90)' };
  const m = /^(.*?)(?:([.,])(\d{1,2}))?$/.exec(text)!;
  const whole = m[1] ?? '';
  const decimals = m[3] ?? '';
  if (!/^\d{1,3}([.,]\d{3})*$/.test(whole) && !/^\d+$/.test(whole)) {
    return { ok: false, reason: 'not a price (use e.g. 129,90 or 1.299,90)' };
  }
  const seps = new Set(whole.replace(/\d/g, ''));
  if (seps.size > 1 || (m[2] && seps.has(m[2]))) {
    return { ok: false, reason: 'not a price (use e.g. 1.299,90 or 1,299.90)' };
  }
  const cents = Number(whole.replace(/[.,]/g, '')) * 100 + Number(decimals.padEnd(2, '0') || 0);
  if (!Number.isSafeInteger(cents) || cents > PRODUCT_LIMITS.priceCents) {
    return { ok: false, reason: 'price too large' };
  }
  return { ok: true, cents };
}

/**
 * A price for people (and for the AI's prompt): `R$ 1.299,90` in pt-BR, `R$1,299.90` in English.
 * Plain spaces, never the no-break space Intl puts after the symbol.
 *
 * @example formatPriceCents(12990, 'BRL') // 'R$ 129,90'
 */
export function formatPriceCents(cents: number, currency = 'BRL', locale = 'pt-BR'): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency })
    .format(cents / 100)
    .replace(/[\u00a0\u202f]/g, ' ');
}

/** What an import error line is about, read from the message the Motor wrote (for translations). */
export interface ImportErrorInfo {
  kind:
    | 'unknown_column'
    | 'sku_repeats'
    | 'new_needs_name'
    | 'name_required'
    | 'price'
    | 'active'
    | 'field'
    | 'other';
  /** The cell's value, the column or the sku the message names. */
  value?: string;
  /** For `field`: the product field (name, description, currency, sku, imageUrl). */
  field?: string;
  /** For `sku_repeats`: the line the sku first appeared on. */
  line?: number;
}

/**
 * Classifies an import report message (see motor/src/services/product-csv.parser.ts), so the
 * dashboard can say it in the agent's language; unknown messages are `other`.
 *
 * @example importErrorInfo('sku "A1" repeats line 4') // { kind: 'sku_repeats', value: 'A1', line: 4 }
 */
export function importErrorInfo(message: string): ImportErrorInfo {
  let m: RegExpExecArray | null;
  if ((m = /^unknown column "(.*)" ignored/.exec(message))) return { kind: 'unknown_column', value: m[1] };
  if ((m = /^sku "(.*)" repeats line (\d+)$/.exec(message))) {
    return { kind: 'sku_repeats', value: m[1], line: Number(m[2]) };
  }
  if (/^name is required for a new product/.test(message)) return { kind: 'new_needs_name' };
  if (message === 'name is required') return { kind: 'name_required' };
  if ((m = /^price "(.*)": /s.exec(message))) return { kind: 'price', value: m[1] };
  if ((m = /^active "(.*)": /s.exec(message))) return { kind: 'active', value: m[1] };
  if ((m = /^(name|description|currency|sku|imageUrl): /.exec(message)))
    return { kind: 'field', field: m[1] };
  return { kind: 'other' };
}
