import type { Db } from '../../src/ports/db.port.js';
import { LoadClient, runClosedLoop, type RunStats } from '../../test/support/load.js';
import { messageTraffic } from '../../test/support/webhook-factory.js';
import type { BenchInstance } from '../../test/support/load-fixture.js';

/**
 * The ingest traffic of the benchmarks: Evolution `messages.upsert` bodies with unique ids, round
 * robin over the instances and `conversationsPerInstance` contacts each; sent either to the Motor
 * over HTTP or, for the baseline, straight to `app.ingest_message` through a db driver.
 */

export function trafficFor(instances: BenchInstance[], conversationsPerInstance: number) {
  return messageTraffic({
    targets: instances.map((i) => ({ instance: i.name, secret: i.secret })),
    conversationsPerTarget: conversationsPerInstance,
  });
}

/**
 * The normalised message `app.ingest_message` takes (see 20261129000500_ingest.sql) for a
 * text `messages.upsert` body, as the Motor's webhook parser produces it. Computed before the
 * timed loop, so the baseline times the SQL function alone.
 */
export function ingestArgsOf(body: ReturnType<ReturnType<typeof messageTraffic>>['body'], inst: BenchInstance) {
  const data = body.data as {
    key: { remoteJid: string; remoteJidAlt: string; fromMe: boolean; id: string };
    pushName: string;
    message: { conversation: string };
    messageTimestamp: number;
  };
  return {
    accountId: inst.accountId,
    instanceId: inst.id,
    message: {
      waMessageId: data.key.id,
      origin: 'upsert',
      fromMe: data.key.fromMe,
      chat: { kind: 'direct', jid: data.key.remoteJid, lid: data.key.remoteJidAlt },
      participant: null,
      pushName: data.pushName,
      authorName: null,
      type: 'text',
      text: data.message.conversation,
      media: null,
      quotedWaMessageId: null,
      sentAt: data.messageTimestamp,
    },
  };
}

/** Closed loop of direct `ingest_message` calls at `concurrency`, for `durationMs`. */
export async function directIngest(o: {
  db: Db;
  instances: BenchInstance[];
  conversationsPerInstance: number;
  concurrency: number;
  durationMs: number;
}): Promise<RunStats> {
  const next = trafficFor(o.instances, o.conversationsPerInstance);
  const byName = new Map(o.instances.map((i) => [i.name, i]));
  return runClosedLoop({
    concurrency: o.concurrency,
    durationMs: o.durationMs,
    op: async () => {
      const t = next();
      const r = await o.db.call<{ events: unknown[] }>('ingest_message', ingestArgsOf(t.body, byName.get(t.target.instance)!));
      return r.events.length > 0;
    },
  });
}

/** Closed loop of webhook POSTs to a running Motor at `concurrency`, for `durationMs`. */
export async function httpIngest(o: {
  url: string;
  instances: BenchInstance[];
  conversationsPerInstance: number;
  concurrency: number;
  durationMs: number;
  onAccepted?: (id: string) => void;
}): Promise<RunStats> {
  const client = new LoadClient(o.url, { maxSockets: o.concurrency });
  const next = trafficFor(o.instances, o.conversationsPerInstance);
  try {
    return await runClosedLoop({
      concurrency: o.concurrency,
      durationMs: o.durationMs,
      op: async () => {
        const t = next();
        const r = await client.post('/api/webhook', t.body, { 'x-motor-token': t.target.secret });
        if (r.status === 200) o.onAccepted?.(t.id);
        else if (r.status >= 300) throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
        return r.status === 200;
      },
    });
  } finally {
    client.close();
  }
}
