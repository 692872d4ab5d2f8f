import { expect } from 'vitest';
import type { Db } from '../../src/ports/db.port.js';
import { createInstance } from './ingest-harness.js';

/**
 * The batched ingest contract of a driver that runs queued `ingest_message` calls as one
 * `app.ingest_messages` statement (PGlite's worker, PostgreSQL's group commit): 60 concurrent
 * calls, one of them bad, each answered with its own events, gap-free, the bad one failing
 * alone; a redelivery stores nothing twice.
 *
 * @example
 *   it('batches ingests', () => expectBatchedIngest(db));
 */
export async function expectBatchedIngest(db: Db): Promise<void> {
  const inst = await createInstance(db);
  const message = (i: number) => ({
    waMessageId: i === 30 ? '' : `BATCH-${i}`,
    origin: 'upsert',
    fromMe: false,
    chat: { kind: 'direct', jid: `5511900000${String(i % 7).padStart(3, '0')}@s.whatsapp.net`, lid: null },
    participant: null,
    pushName: `Cliente ${i % 7}`,
    type: 'text',
    text: `mensagem ${i}`,
    media: null,
    sentAt: 1_700_000_000 + i,
  });
  type Created = {
    events: { type: string; seq: number; data: { message: { waMessageId: string; text: string } } }[];
  };
  const calls = Array.from({ length: 60 }, (_, i) =>
    db.call<Created>('ingest_message', {
      accountId: inst.accountId,
      instanceId: inst.instanceId,
      message: message(i),
    }),
  );
  const settled = await Promise.allSettled(calls);
  expect(settled[30]).toMatchObject({ status: 'rejected', reason: { code: 'validation_failed' } });
  const ok = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [{ i, events: s.value.events }] : []));
  expect(ok).toHaveLength(59);
  for (const { i, events } of ok) {
    expect(events.map((e) => e.type)).toEqual(['message.created']);
    expect(events[0]!.data.message).toMatchObject({ waMessageId: `BATCH-${i}`, text: `mensagem ${i}` });
  }
  // Gap-free: one event each (after a failed batch PostgreSQL re-runs the calls concurrently, so
  // the order is the commit order, not necessarily the arrival order).
  expect(ok.map((o) => o.events[0]!.seq).sort((a, b) => a - b)).toEqual(
    Array.from({ length: 59 }, (_, k) => k + 1),
  );
  // A redelivery of the same batch stores nothing twice.
  const again = await Promise.all(
    ok.map(({ i }) =>
      db.call<Created>('ingest_message', {
        accountId: inst.accountId,
        instanceId: inst.instanceId,
        message: message(i),
      }),
    ),
  );
  expect(again.every((r) => r.events.length === 0)).toBe(true);
  // A batch with no bad call: each new message answered with its own event.
  const fresh = await Promise.all(
    Array.from({ length: 20 }, (_, k) =>
      db.call<Created>('ingest_message', {
        accountId: inst.accountId,
        instanceId: inst.instanceId,
        message: message(100 + k),
      }),
    ),
  );
  expect(fresh.map((r) => r.events.map((e) => e.data.message.waMessageId))).toEqual(
    Array.from({ length: 20 }, (_, k) => [`BATCH-${100 + k}`]),
  );
}
