import * as life from './simulator.lifecycle.js';
import * as groups from './simulator.groups.js';
import * as msg from './simulator.messaging.js';
import type { SimRoute } from './simulator.router.js';
import { SimHttpError } from './simulator.state.js';

const ok = (body: unknown, status = 200) => ({ status, body });

/** The Evolution 2.3.6 REST subset the Motor uses (docs/evolution.md "REST"), with its answers and codes. */
export const evolutionRoutes: SimRoute[] = [
  {
    method: 'GET',
    path: '/',
    auth: 'none',
    handler: () =>
      ok({
        status: 200,
        message: 'Welcome to the Evolution API, it is working!',
        version: '2.3.6',
        clientName: 'simulator',
        documentation:
          'This is the Atende Evolution simulator: a simulated WhatsApp, nothing reaches real numbers.',
        whatsappWebVersion: '2.3000.0 (simulated)',
        simulated: true,
      }),
  },
  {
    method: 'POST',
    path: '/instance/create',
    auth: 'global',
    handler: async ({ ctx, body }) => ok(await life.createInstance(ctx, body), 201),
  },
  {
    method: 'GET',
    path: '/instance/connect/:name',
    auth: 'instance',
    handler: async ({ ctx, params, query }) =>
      ok(
        await life.connectInstance(
          ctx,
          life.getInstance(ctx, params.name!),
          query.get('number') ?? undefined,
        ),
      ),
  },
  {
    method: 'GET',
    path: '/instance/connectionState/:name',
    auth: 'instance',
    handler: ({ ctx, params }) => {
      const inst = life.getInstance(ctx, params.name!);
      return ok({ instance: { instanceName: inst.name, state: inst.state } });
    },
  },
  {
    method: 'GET',
    path: '/instance/fetchInstances',
    auth: 'instance',
    handler: ({ ctx, query }) => {
      const name = query.get('instanceName');
      if (name === null) return ok([...ctx.instances.values()].map(life.instanceRow));
      const inst = ctx.instances.get(name);
      if (!inst) throw new SimHttpError(404, `Instance "${name}" not found`);
      return ok([life.instanceRow(inst)]);
    },
  },
  {
    method: 'DELETE',
    path: '/instance/logout/:name',
    auth: 'instance',
    handler: ({ ctx, params }) => ok(life.logoutInstance(ctx, life.getInstance(ctx, params.name!))),
  },
  {
    method: 'DELETE',
    path: '/instance/delete/:name',
    auth: 'instance',
    handler: ({ ctx, params }) => ok(life.deleteInstance(ctx, life.getInstance(ctx, params.name!))),
  },
  {
    method: 'POST',
    path: '/webhook/set/:name',
    auth: 'instance',
    handler: ({ ctx, params, body }) => {
      const inst = life.getInstance(ctx, params.name!);
      if (body.webhook === undefined) throw new SimHttpError(400, [['instance requires property "webhook"']]);
      inst.webhook = life.webhookRow(inst, body.webhook, false);
      return ok(inst.webhook, 201);
    },
  },
  {
    method: 'GET',
    path: '/webhook/find/:name',
    auth: 'instance',
    handler: ({ ctx, params }) => ok(life.getInstance(ctx, params.name!).webhook),
  },
  {
    method: 'POST',
    path: '/message/sendText/:name',
    auth: 'instance',
    handler: ({ ctx, params, body }) => ok(msg.sendText(ctx, life.getInstance(ctx, params.name!), body), 201),
  },
  {
    method: 'POST',
    path: '/message/sendMedia/:name',
    auth: 'instance',
    handler: ({ ctx, params, body }) =>
      ok(msg.sendMedia(ctx, life.getInstance(ctx, params.name!), body), 201),
  },
  {
    method: 'POST',
    path: '/message/sendReaction/:name',
    auth: 'instance',
    handler: ({ ctx, params, body }) =>
      ok(msg.sendReaction(ctx, life.getInstance(ctx, params.name!), body), 201),
  },
  {
    method: 'POST',
    path: '/chat/markMessageAsRead/:name',
    auth: 'instance',
    handler: ({ ctx, params, body }) => ok(msg.markMessageAsRead(life.getInstance(ctx, params.name!), body), 201),
  },
  {
    method: 'POST',
    path: '/chat/fetchProfilePictureUrl/:name',
    auth: 'instance',
    handler: ({ ctx, params, body }) => ok(msg.fetchProfilePictureUrl(life.getInstance(ctx, params.name!), body)),
  },
  {
    method: 'POST',
    path: '/message/sendWhatsAppAudio/:name',
    auth: 'instance',
    handler: ({ ctx, params, body }) =>
      ok(msg.sendWhatsAppAudio(ctx, life.getInstance(ctx, params.name!), body), 201),
  },
  {
    method: 'POST',
    path: '/chat/findMessages/:name',
    auth: 'instance',
    handler: ({ ctx, params, body }) => ok(msg.findMessages(life.getInstance(ctx, params.name!), body)),
  },
  {
    method: 'POST',
    path: '/chat/getBase64FromMediaMessage/:name',
    auth: 'instance',
    handler: ({ ctx, params, body }) =>
      ok(msg.getBase64FromMediaMessage(life.getInstance(ctx, params.name!), body), 201),
  },
  {
    method: 'POST',
    path: '/chat/whatsappNumbers/:name',
    auth: 'instance',
    handler: ({ ctx, params, body }) => ok(groups.whatsappNumbers(life.getInstance(ctx, params.name!), body)),
  },
  {
    method: 'GET',
    path: '/group/fetchAllGroups/:name',
    auth: 'instance',
    handler: ({ ctx, params, query }) =>
      ok(groups.fetchAllGroups(life.getInstance(ctx, params.name!), query.get('getParticipants'))),
  },
];
