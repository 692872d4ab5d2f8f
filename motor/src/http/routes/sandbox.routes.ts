import Router from '@koa/router';
import { sandboxMessageBodySchema, sandboxScanBodySchema } from '@atende/shared';
import { AppError } from '../../errors.js';
import type { WhatsAppSandbox } from '../../ports/whatsapp.port.js';
import type { AuthService } from '../../services/auth.service.js';
import type { InstancesService } from '../../services/instances.service.js';
import { authOf, requireAuth, requireRole } from '../middleware/auth.middleware.js';
import { input, validate } from '../middleware/validate.middleware.js';

/**
 * The dashboard's sandbox panel: the "phone side" of the simulated WhatsApp (scan the QR, write
 * as a customer). Enabled only when the Motor runs the built-in Evolution simulator; otherwise
 * `GET /api/sandbox` says `{enabled:false}` and the actions answer 404.
 *
 * @example
 *   const router = sandboxRoutes({ auth, instances, sandbox: null });
 */
export function sandboxRoutes(deps: {
  auth: Pick<AuthService, 'authenticate'>;
  instances: InstancesService;
  sandbox: WhatsAppSandbox | null;
}) {
  const { instances, sandbox } = deps;
  const router = new Router();
  router.use('/api/sandbox', requireAuth(deps.auth));

  const enabled = (): WhatsAppSandbox => {
    if (!sandbox)
      throw new AppError(
        'not_found',
        'the sandbox exists only with the simulated WhatsApp (EVOLUTION_API_URL unset)',
      );
    return sandbox;
  };

  router.get('/api/sandbox', (ctx) => {
    ctx.body = { enabled: sandbox !== null };
  });

  // Pairing a number is number management: owner/admin (sending as a customer is for everyone).
  router.post(
    '/api/sandbox/scan',
    requireRole('owner', 'admin'),
    validate({ body: sandboxScanBodySchema }),
    async (ctx) => {
      const s = enabled();
      const instance = await instances.get(
        authOf(ctx),
        input(ctx, 'body', sandboxScanBodySchema).instanceName,
      );
      const r = await s.scan(instance.name);
      ctx.body = { success: true, simulated: true, state: r.state, wuid: r.wuid };
    },
  );

  router.post('/api/sandbox/messages', validate({ body: sandboxMessageBodySchema }), async (ctx) => {
    const s = enabled();
    const body = input(ctx, 'body', sandboxMessageBodySchema);
    const instance = await instances.get(authOf(ctx), body.instanceName);
    const r = await s.customerMessage(instance.name, { phone: body.phone, name: body.name, text: body.text });
    ctx.body = { success: true, simulated: true, waMessageId: r.waMessageId };
  });

  return router;
}
