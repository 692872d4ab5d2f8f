import Router from '@koa/router';
import { connectInstanceBodySchema, instanceNameQuerySchema } from '@atende/shared';
import type { AuthService } from '../../services/auth.service.js';
import type { InstancesService } from '../../services/instances.service.js';
import { authOf, requireAuth, requireRole } from '../middleware/auth.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';

// An empty POST (no body at all) means "a new number with a generated name".
const connectBody = connectInstanceBodySchema.optional().transform((b) => b ?? {});

/**
 * WhatsApp instances: connect (QR or pairing code), status, disconnect, remove for good, list.
 * Connecting, disconnecting and removing the company's number is for owners and admins (403
 * `forbidden` for agents); every role reads the list and the status.
 *
 * @example
 *   const router = instancesRoutes({ auth, instances });
 */
export function instancesRoutes(deps: {
  auth: Pick<AuthService, 'authenticate'>;
  instances: InstancesService;
}) {
  const { instances } = deps;
  const router = new Router();
  router.use(['/api/instance', '/api/instances'], requireAuth(deps.auth));

  const manager = requireRole('owner', 'admin');

  router.post('/api/instance/connect', manager, validate({ body: connectBody }), async (ctx) => {
    ctx.body = await instances.connect(authOf(ctx), input(ctx, 'body', connectBody));
  });

  router.get('/api/instance/status', validate({ query: instanceNameQuerySchema }), async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await instances.status(authOf(ctx), input(ctx, 'query', instanceNameQuerySchema).instanceName);
  });

  router.delete(
    '/api/instance/disconnect',
    manager,
    validate({ query: instanceNameQuerySchema }),
    async (ctx) => {
      ctx.body = await instances.disconnect(
        authOf(ctx),
        input(ctx, 'query', instanceNameQuerySchema).instanceName,
      );
    },
  );

  // Remove a number for good: deleted at Evolution, gone from the lists (conversations stay).
  router.delete('/api/instance', manager, validate({ query: instanceNameQuerySchema }), async (ctx) => {
    ctx.body = await instances.remove(authOf(ctx), input(ctx, 'query', instanceNameQuerySchema).instanceName);
  });

  router.get('/api/instances', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await instances.list(authOf(ctx));
  });

  return router;
}
