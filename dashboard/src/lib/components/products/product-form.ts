import {
  createProductBodySchema,
  formatPriceCents,
  importErrorInfo,
  parsePriceCents,
  type CreateProductBody,
  type Product,
} from '@atende/shared';
import { i18n, t, type MessageKey } from '$lib/i18n/index.svelte';

/** What the product dialog edits: every field as the agent types it. */
export interface ProductForm {
  name: string;
  description: string;
  price: string;
  currency: string;
  sku: string;
  imageUrl: string;
  active: boolean;
}

/** `R$ 1.299,90` (pt-BR) or `R$1,299.90` (English); "Sem preço" when there is none. */
export function priceText(p: Pick<Product, 'priceCents' | 'currency'>): string {
  if (p.priceCents === null) return t('products.noPrice');
  try {
    return formatPriceCents(p.priceCents, p.currency, i18n.locale);
  } catch {
    return `${p.currency} ${(p.priceCents / 100).toFixed(2)}`;
  }
}

/** The price as the agent would type it in the current language: `1.299,90` / `1,299.90`. */
export function priceInput(cents: number | null): string {
  if (cents === null) return '';
  return new Intl.NumberFormat(i18n.locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(
    cents / 100,
  );
}

export function emptyForm(): ProductForm {
  return { name: '', description: '', price: '', currency: 'BRL', sku: '', imageUrl: '', active: true };
}

export function formOf(p: Product): ProductForm {
  return {
    name: p.name,
    description: p.description ?? '',
    price: priceInput(p.priceCents),
    currency: p.currency,
    sku: p.sku ?? '',
    imageUrl: p.imageUrl ?? '',
    active: p.active,
  };
}

/** A field's message in the agent's language, from the field and the zod issue code. */
export function issueFor(field: string, code?: string, maximum?: number): string {
  switch (field) {
    case 'name':
      return code === 'too_big' && maximum
        ? t('products.issue.tooLong', { max: maximum })
        : t('products.issue.required');
    case 'description':
    case 'sku':
      if (code === 'conflict') return t('products.issue.sku');
      return t('products.issue.tooLong', { max: maximum ?? (field === 'sku' ? 64 : 4000) });
    case 'priceCents':
    case 'price':
      return t('products.issue.price');
    case 'currency':
      return t('products.issue.currency');
    case 'imageUrl':
      return t('products.issue.imageUrl');
    default:
      return t('error.validation_failed');
  }
}

/**
 * Checks the form with the same zod schema as the Motor and builds the request body, or gives
 * the per-field messages (keys: name, description, price, currency, sku, imageUrl).
 *
 * @example const r = validateForm(form); if ('fields' in r) show(r.fields); else save(r.body);
 */
export function validateForm(
  form: ProductForm,
): { body: CreateProductBody } | { fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  const price = parsePriceCents(form.price);
  if (!price.ok) fields.price = issueFor('price');
  const parsed = createProductBodySchema.safeParse({
    name: form.name,
    description: form.description,
    priceCents: price.ok ? price.cents : null,
    currency: form.currency,
    sku: form.sku,
    imageUrl: form.imageUrl,
    active: form.active,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '');
      const key = field === 'priceCents' ? 'price' : field;
      const maximum = 'maximum' in issue ? Number(issue.maximum) : undefined;
      fields[key] ??= issueFor(field, issue.code, maximum);
    }
  }
  if (Object.keys(fields).length > 0 || !parsed.success) return { fields };
  return { body: parsed.data };
}

/** One line of the import report in the agent's language (the Motor writes English). */
export function importErrorText(message: string): string {
  const info = importErrorInfo(message);
  switch (info.kind) {
    case 'field':
      return t(`products.importError.field.${info.field}` as MessageKey);
    case 'other':
      return message;
    default:
      return t(`products.importError.${info.kind}` as MessageKey, {
        value: info.value ?? '',
        line: info.line ?? '',
      });
  }
}
