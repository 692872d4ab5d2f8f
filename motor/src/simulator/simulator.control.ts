import { z } from 'zod';
import * as life from './simulator.lifecycle.js';
import * as groups from './simulator.groups.js';
import * as msg from './simulator.messaging.js';
import type { SimRoute } from './simulator.router.js';
import { SAMPLE_KINDS } from './sample-media.js';
import { SimHttpError } from './simulator.state.js';

const digits = z.string().regex(/^[0-9]{10,15}$/, 'digits only, country code first (10 to 15 digits)');

/** Bodies of the control API (`/_sim/...`), also used by the Motor's sandbox adapter. */
export const simScanBodySchema = z.object({ phone: digits.optional(), profileName: z.string().trim().min(1).max(100).optional() });
export const simMessageBodySchema = z.object({
  from: digits,
  name: z.string().trim().min(1).max(100),
  text: z.string().trim().min(1).max(4096),
  lid: z.string().regex(/^[0-9]+@lid$/).optional(),
  /** Reply to this message of the chat (its WhatsApp id). */
  quotedId: z.string().trim().min(1).max(256).optional(),
});
export const simReactionBodySchema = z.object({
  from: digits,
  name: z.string().trim().min(1).max(100),
  /** The WhatsApp id of the message of the chat to react to. */
  messageId: z.string().trim().min(1).max(256),
  /** "" removes the reaction. */
  emoji: z.string().max(32),
});
export const simPresenceBodySchema = z.object({
  from: digits,
  presence: z.enum(['composing', 'recording', 'paused']),
});
export const simMediaBodySchema = z.object({
  from: digits,
  name: z.string().trim().min(1).max(100),
  kind: z.enum([...SAMPLE_KINDS, 'contact']),
  caption: z.string().trim().min(1).max(1024).optional(),
  lid: z.string().regex(/^[0-9]+@lid$/).optional(),
});
export const simGroupBodySchema = z.object({
  subject: z.string().trim().min(1).max(100),
  participants: z.array(z.object({ phone: digits, name: z.string().trim().min(1).max(100).optional() })).min(1).max(50),
});
export const simGroupMessageBodySchema = z.object({
  groupJid: z.string().regex(/^[0-9-]+@g\.us$/),
  from: digits,
  name: z.string().trim().min(1).max(100),
  text: z.string().trim().min(1).max(4096),
});
export const simDisconnectBodySchema = z.object({ reason: z.enum(['logged_out', 'closed']).default('logged_out') });

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw new SimHttpError(400, r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`));
  return r.data;
}

/**
 * The simulator's control API: what a tester or the dashboard's sandbox panel does on the
 * "phone" side (scan the QR, write as a customer, unlink the number, lose every instance).
 */
export const controlRoutes: SimRoute[] = [
  {
    method: 'POST',
    path: '/_sim/instances/:name/scan',
    auth: 'global',
    handler: ({ ctx, params, body }) => ({ status: 200, body: life.scanQr(ctx, life.getInstance(ctx, params.name!), parse(simScanBodySchema, body)) }),
  },
  {
    method: 'POST',
    path: '/_sim/instances/:name/messages',
    auth: 'global',
    handler: ({ ctx, params, body }) => ({ status: 201, body: msg.customerMessage(ctx, life.getInstance(ctx, params.name!), parse(simMessageBodySchema, body)) }),
  },
  {
    method: 'POST',
    path: '/_sim/instances/:name/media',
    auth: 'global',
    handler: ({ ctx, params, body }) => ({ status: 201, body: msg.customerMedia(ctx, life.getInstance(ctx, params.name!), parse(simMediaBodySchema, body)) }),
  },
  {
    method: 'POST',
    path: '/_sim/instances/:name/reactions',
    auth: 'global',
    handler: ({ ctx, params, body }) => ({ status: 201, body: msg.customerReaction(ctx, life.getInstance(ctx, params.name!), parse(simReactionBodySchema, body)) }),
  },
  {
    method: 'POST',
    path: '/_sim/instances/:name/presence',
    auth: 'global',
    handler: ({ ctx, params, body }) => ({ status: 200, body: msg.customerPresence(ctx, life.getInstance(ctx, params.name!), parse(simPresenceBodySchema, body)) }),
  },
  {
    method: 'POST',
    path: '/_sim/instances/:name/groups',
    auth: 'global',
    handler: ({ ctx, params, body }) => ({ status: 201, body: groups.createGroup(ctx, life.getInstance(ctx, params.name!), parse(simGroupBodySchema, body)) }),
  },
  {
    method: 'POST',
    path: '/_sim/instances/:name/group-messages',
    auth: 'global',
    handler: ({ ctx, params, body }) => ({ status: 201, body: groups.groupMessage(ctx, life.getInstance(ctx, params.name!), parse(simGroupMessageBodySchema, body), msg.store) }),
  },
  {
    method: 'POST',
    path: '/_sim/instances/:name/disconnect',
    auth: 'global',
    handler: ({ ctx, params, body }) => {
      const inst = life.getInstance(ctx, params.name!);
      const { reason } = parse(simDisconnectBodySchema, body);
      if (inst.state !== 'open') throw new SimHttpError(409, [`The "${inst.name}" instance is not connected (state: ${inst.state})`]);
      life.closeSession(ctx, inst, reason === 'logged_out' ? 401 : 403);
      return { status: 200, body: { instanceName: inst.name, state: inst.state } };
    },
  },
  {
    method: 'POST',
    path: '/_sim/reset',
    auth: 'global',
    handler: ({ ctx }) => {
      const forgotten = ctx.instances.size;
      life.resetAll(ctx);
      return { status: 200, body: { reset: true, forgotten } };
    },
  },
  {
    method: 'GET',
    path: '/_sim/instances/:name',
    auth: 'global',
    handler: ({ ctx, params }) => {
      const inst = life.getInstance(ctx, params.name!);
      return {
        status: 200,
        body: {
          simulated: true,
          name: inst.name,
          id: inst.id,
          state: inst.state,
          wuid: inst.wuid,
          profileName: inst.profileName,
          lastQr: inst.qr,
          webhook: inst.webhook ? { url: inst.webhook.url, enabled: inst.webhook.enabled, events: inst.webhook.events } : null,
          webhooks: { sent: inst.webhooks.sent, failed: inst.webhooks.failed, log: inst.webhooks.log },
          messages: inst.messages.length,
          readReceipts: inst.readReceipts,
          groups: [...inst.groups.values()].map((g) => ({ jid: g.id, subject: g.subject, size: g.participants.length })),
        },
      };
    },
  },
];
