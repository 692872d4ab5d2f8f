import type { SandboxMediaKind } from '@atende/shared';
import { z } from 'zod';
import { AppError, isAppError } from '../../errors.js';
import type { WhatsAppSandbox } from '../../ports/whatsapp.port.js';
import { EvolutionHttp, type EvolutionFailure, type EvolutionHttpOptions } from './evolution.http.js';

const enc = encodeURIComponent;
const scanSchema = z.looseObject({ state: z.string(), wuid: z.string().nullish() });
const messageSchema = z.looseObject({ key: z.looseObject({ id: z.string() }) });
const simInstanceSchema = z.looseObject({
  groups: z.array(z.looseObject({ jid: z.string(), subject: z.string() })).default([]),
});
const groupSchema = z.looseObject({ jid: z.string() });

/**
 * Talks to the simulator's `/_sim` control API (same envelope as Evolution's REST API). The
 * simulator's 404 and 409 are the caller's problem, so they surface as `not_found` / `conflict`.
 *
 * @example
 *   const sandbox = new SimulatorSandboxClient({ baseUrl: sim.url, apiKey });
 *   await sandbox.scan('loja-demo-4f2a');
 */
export class SimulatorSandboxClient implements WhatsAppSandbox {
  private readonly http: EvolutionHttp;

  constructor(opts: EvolutionHttpOptions) {
    this.http = new EvolutionHttp(opts);
  }

  async scan(instanceName: string, input: { phone?: string; profileName?: string } = {}) {
    const r = await mapped(() =>
      this.http.request({
        method: 'POST',
        path: `/_sim/instances/${enc(instanceName)}/scan`,
        body: input,
        schema: scanSchema,
      }),
    );
    return { state: r.state, wuid: r.wuid ?? null };
  }

  async customerMessage(
    instanceName: string,
    input: { phone: string; name: string; text: string; quotedWaMessageId?: string },
  ) {
    const r = await mapped(() =>
      this.http.request({
        method: 'POST',
        path: `/_sim/instances/${enc(instanceName)}/messages`,
        body: { from: input.phone, name: input.name, text: input.text, quotedId: input.quotedWaMessageId },
        schema: messageSchema,
      }),
    );
    return { waMessageId: r.key.id };
  }

  async customerReaction(
    instanceName: string,
    input: { phone: string; name: string; waMessageId: string; emoji: string },
  ) {
    const r = await mapped(() =>
      this.http.request({
        method: 'POST',
        path: `/_sim/instances/${enc(instanceName)}/reactions`,
        body: { from: input.phone, name: input.name, messageId: input.waMessageId, emoji: input.emoji },
        schema: messageSchema,
      }),
    );
    return { waMessageId: r.key.id };
  }

  async customerPresence(
    instanceName: string,
    input: { phone: string; presence: 'composing' | 'recording' | 'paused' },
  ) {
    await mapped(() =>
      this.http.request({
        method: 'POST',
        path: `/_sim/instances/${enc(instanceName)}/presence`,
        body: { from: input.phone, presence: input.presence },
        schema: z.unknown(),
      }),
    );
  }

  async groupMessage(instanceName: string, input: { subject: string; phone: string; name: string; text: string }) {
    const state = await mapped(() =>
      this.http.request({ method: 'GET', path: `/_sim/instances/${enc(instanceName)}`, schema: simInstanceSchema }),
    );
    const fold = (s: string) => s.trim().toLowerCase();
    let groupJid = state.groups.find((g) => fold(g.subject) === fold(input.subject))?.jid;
    if (!groupJid) {
      const made = await mapped(() =>
        this.http.request({
          method: 'POST',
          path: `/_sim/instances/${enc(instanceName)}/groups`,
          body: { subject: input.subject, participants: [{ phone: input.phone, name: input.name }] },
          schema: groupSchema,
        }),
      );
      groupJid = made.jid;
    }
    const r = await mapped(() =>
      this.http.request({
        method: 'POST',
        path: `/_sim/instances/${enc(instanceName)}/group-messages`,
        body: { groupJid, from: input.phone, name: input.name, text: input.text },
        schema: messageSchema,
      }),
    );
    return { waMessageId: r.key.id, groupJid };
  }

  async customerMedia(
    instanceName: string,
    input: { phone: string; name: string; kind: SandboxMediaKind; caption?: string },
  ) {
    const r = await mapped(() =>
      this.http.request({
        method: 'POST',
        path: `/_sim/instances/${enc(instanceName)}/media`,
        body: { from: input.phone, name: input.name, kind: input.kind, caption: input.caption },
        schema: messageSchema,
      }),
    );
    return { waMessageId: r.key.id };
  }
}

async function mapped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const f = isAppError(err) ? (err.details as EvolutionFailure | undefined) : undefined;
    const why = f?.evolutionMessage ?? 'the simulator refused';
    if (f?.status === 404)
      throw new AppError('not_found', `simulated WhatsApp: ${why} (connect the number again)`);
    if (f?.status === 409) throw new AppError('conflict', `simulated WhatsApp: ${why}`);
    if (f?.status === 400) throw new AppError('validation_failed', `simulated WhatsApp: ${why}`);
    throw err;
  }
}
