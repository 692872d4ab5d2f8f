import type {
  CreateProductBody,
  ListProductsQuery,
  MatchedProduct,
  Product,
  ProductImportResult,
  UpdateProductBody,
} from '@atende/shared';
import type { Db } from '../ports/db.port.js';
import { parseProductsCsv } from './product-csv.parser.js';

/** Whose catalogue: only the account id scopes data (set by requireAuth). */
export interface ProductsCaller {
  accountId: string;
}

/**
 * The catalogue the AI answers from: list/search, CRUD, CSV import, and `match` (the products
 * that best fit a customer's words, for the AI's prompt). Each call is one SQL function scoped to
 * the caller's account.
 *
 * @example
 *   const products = new ProductsService({ db });
 *   await products.create(caller, { name: 'Camiseta', priceCents: 7990, currency: 'BRL', active: true });
 */
export class ProductsService {
  constructor(private readonly deps: { db: Db }) {}

  /** Newest first; `q` is the accent-insensitive prefix search; `before` an id or a timestamp. */
  list(caller: ProductsCaller, q: ListProductsQuery): Promise<Product[]> {
    const byId = q.before !== undefined && !q.before.includes(':');
    return this.deps.db.call<Product[]>('products_list', {
      accountId: caller.accountId,
      q: q.q?.replaceAll('\u0000', '') || null,
      active: q.active ?? null,
      before: byId ? null : (q.before ?? null),
      beforeId: byId ? q.before : null,
      limit: q.limit,
    });
  }

  get(caller: ProductsCaller, id: string): Promise<Product> {
    return this.deps.db.call<Product>('products_get', { accountId: caller.accountId, productId: id });
  }

  /** A duplicate sku in the account → 409 `conflict`. */
  create(caller: ProductsCaller, body: CreateProductBody): Promise<Product> {
    return this.deps.db.call<Product>('products_create', { accountId: caller.accountId, product: body });
  }

  update(caller: ProductsCaller, id: string, patch: UpdateProductBody): Promise<Product> {
    return this.deps.db.call<Product>('products_update', {
      accountId: caller.accountId,
      productId: id,
      patch,
    });
  }

  async remove(caller: ProductsCaller, id: string): Promise<void> {
    await this.deps.db.call('products_delete', { accountId: caller.accountId, productId: id });
  }

  /**
   * Imports a CSV (see product-csv.parser.ts): the good rows land in one transaction (a known
   * sku updates its product), the others are reported by line, in file order.
   */
  async import(caller: ProductsCaller, csv: string): Promise<ProductImportResult> {
    const { rows, errors } = parseProductsCsv(csv);
    const r = await this.deps.db.call<ProductImportResult>('products_import', {
      accountId: caller.accountId,
      rows,
    });
    return { ...r, errors: [...errors, ...r.errors].sort((a, b) => a.line - b.line) };
  }

  /**
   * The account's active products ranked against a free text (e.g. a customer's recent messages):
   * the best `limit` matches; when nothing matches, the newest active products with `matched:false`.
   */
  match(accountId: string, text: string, limit = 8): Promise<MatchedProduct[]> {
    return this.deps.db.call<MatchedProduct[]>('match_products', { accountId, text, limit });
  }
}
