import Router from '@koa/router';
import {
  createProductBodySchema,
  idParamSchema,
  listProductsQuerySchema,
  updateProductBodySchema,
} from '@atende/shared';
import { AppError } from '../../errors.js';
import type { AuthService } from '../../services/auth.service.js';
import { decodeCsv } from '../../services/product-csv.parser.js';
import type { ProductsService } from '../../services/products.service.js';
import { authOf, requireAuthOnAll, requireRole } from '../middleware/auth.middleware.js';
import type { RawBodyRoute } from '../middleware/json-body.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';

/** The CSV import takes the file itself as the body (app.ts hands this to jsonBody). */
export const PRODUCTS_IMPORT_BODY: RawBodyRoute = {
  path: '/api/products/import',
  // text/csv is the contract; Windows browsers label .csv files application/vnd.ms-excel.
  types: ['text/csv', 'text/plain', 'application/csv', 'application/vnd.ms-excel'],
};

/**
 * The catalogue: reads for every role, writes (create, edit, delete, import) for owners and
 * admins (an agent gets 403 `forbidden`).
 *
 * @example
 *   productsRoutes({ auth, products })
 */
export function productsRoutes(deps: { auth: Pick<AuthService, 'authenticate'>; products: ProductsService }) {
  const { products } = deps;
  const router = new Router({ prefix: '/api/products' });
  requireAuthOnAll(router, deps.auth);
  const writer = requireRole('owner', 'admin');

  router.get('/', validate({ query: listProductsQuerySchema }), async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await products.list(authOf(ctx), input(ctx, 'query', listProductsQuerySchema));
  });

  router.post('/', writer, validate({ body: createProductBodySchema }), async (ctx) => {
    ctx.status = 201;
    ctx.body = await products.create(authOf(ctx), input(ctx, 'body', createProductBodySchema));
  });

  router.post('/import', writer, async (ctx) => {
    const bytes = ctx.request.rawBody;
    if (!bytes) {
      if (ctx.request.body === undefined) {
        throw new AppError('validation_failed', 'the CSV file is empty', [
          { path: 'body', message: 'empty file' },
        ]);
      }
      throw new AppError('unsupported_media_type', 'send the file as text/csv (Content-Type: text/csv)');
    }
    ctx.body = await products.import(authOf(ctx), decodeCsv(bytes));
  });

  router.get('/:id', validate({ params: idParamSchema }), async (ctx) => {
    ctx.body = await products.get(authOf(ctx), input(ctx, 'params', idParamSchema).id);
  });

  router.patch(
    '/:id',
    writer,
    validate({ params: idParamSchema, body: updateProductBodySchema }),
    async (ctx) => {
      const { id } = input(ctx, 'params', idParamSchema);
      ctx.body = await products.update(authOf(ctx), id, input(ctx, 'body', updateProductBodySchema));
    },
  );

  router.delete('/:id', writer, validate({ params: idParamSchema }), async (ctx) => {
    await products.remove(authOf(ctx), input(ctx, 'params', idParamSchema).id);
    ctx.status = 204;
  });
  return router;
}
