import Router from '@koa/router';
import {
  CAMPAIGN_ACTIONS,
  campaignPreviewBodySchema,
  createCampaignBodySchema,
  idParamSchema,
  listRecipientsQuerySchema,
  patchCampaignBodySchema,
} from '@atende/shared';
import { z } from 'zod';
import type { AuthService } from '../../services/auth.service.js';
import type { CampaignsService } from '../../services/campaigns.service.js';
import { authOf, requireAuthOnAll, requireRole } from '../middleware/auth.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';

const actionParamSchema = z.object({ id: z.uuid(), action: z.enum(CAMPAIGN_ACTIONS) });
const csvQuerySchema = listRecipientsQuerySchema.pick({ status: true });

/**
 * Campaigns (docs/campaigns.md): reads for every role, writes for owners and admins (an agent gets
 * 403). `POST /api/campaigns/preview` counts an audience before it is saved.
 *
 * @example
 *   const router = campaignsRoutes({ auth, campaigns });
 */
export function campaignsRoutes(deps: {
  auth: Pick<AuthService, 'authenticate'>;
  campaigns: CampaignsService;
}) {
  const { campaigns } = deps;
  const router = new Router({ prefix: '/api/campaigns' });
  const manager = requireRole('owner', 'admin');
  requireAuthOnAll(router, deps.auth);

  router.get('/', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await campaigns.list(authOf(ctx));
  });

  router.post('/', manager, validate({ body: createCampaignBodySchema }), async (ctx) => {
    ctx.status = 201;
    ctx.body = await campaigns.create(authOf(ctx), input(ctx, 'body', createCampaignBodySchema));
  });

  router.post('/preview', manager, validate({ body: campaignPreviewBodySchema }), async (ctx) => {
    ctx.body = await campaigns.preview(authOf(ctx), input(ctx, 'body', campaignPreviewBodySchema));
  });

  router.get('/:id', validate({ params: idParamSchema }), async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await campaigns.get(authOf(ctx), input(ctx, 'params', idParamSchema).id);
  });

  router.patch(
    '/:id',
    manager,
    validate({ params: idParamSchema, body: patchCampaignBodySchema }),
    async (ctx) => {
      const { id } = input(ctx, 'params', idParamSchema);
      ctx.body = await campaigns.patch(authOf(ctx), id, input(ctx, 'body', patchCampaignBodySchema));
    },
  );

  router.delete('/:id', manager, validate({ params: idParamSchema }), async (ctx) => {
    await campaigns.remove(authOf(ctx), input(ctx, 'params', idParamSchema).id);
    ctx.status = 204;
  });

  router.post('/:id/:action', manager, validate({ params: actionParamSchema }), async (ctx) => {
    const { id, action } = input(ctx, 'params', actionParamSchema);
    ctx.body = await campaigns.move(authOf(ctx), id, action);
  });

  router.get(
    '/:id/recipients.csv',
    validate({ params: idParamSchema, query: csvQuerySchema }),
    async (ctx) => {
      const { id } = input(ctx, 'params', idParamSchema);
      const csv = await campaigns.recipientsCsv(authOf(ctx), id, input(ctx, 'query', csvQuerySchema).status);
      ctx.set('Content-Type', 'text/csv; charset=utf-8');
      ctx.set('Content-Disposition', `attachment; filename="campaign-${id}-recipients.csv"`);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = csv;
    },
  );

  router.get(
    '/:id/recipients',
    validate({ params: idParamSchema, query: listRecipientsQuerySchema }),
    async (ctx) => {
      const { id } = input(ctx, 'params', idParamSchema);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await campaigns.recipients(authOf(ctx), id, input(ctx, 'query', listRecipientsQuerySchema));
    },
  );

  return router;
}
