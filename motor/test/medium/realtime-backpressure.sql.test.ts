import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { guardBackpressure } from '../../src/realtime/socket-backpressure.js';
import { TestRealtimeClient } from '../support/socket-client.js';
import { fakeCampaign, startRealtimeTestServer, type RealtimeTestServer } from '../support/socket-server.js';
import { createTestDb } from '../support/test-db.js';

const MAX_QUEUED = 50;
const EVENTS = 300;
const PAD = 'x'.repeat(64 * 1024); // 64 KiB per event: ~19 MB in all, well past the kernel's socket buffers

/** Stops reading the socket's TCP stream, as a frozen or vanished client does. */
function stopReading(c: TestRealtimeClient) {
  const engine = c.socket.io.engine as unknown as { transport: { ws?: { _socket?: { pause(): void; resume(): void } } } };
  const tcp = engine.transport.ws?._socket;
  if (!tcp) throw new Error('expected a websocket transport with a TCP socket');
  tcp.pause();
  return () => tcp.resume();
}

describe(guardBackpressure.name, () => {
  let db: PgliteDb;
  let srv: RealtimeTestServer;
  beforeAll(async () => {
    db = await createTestDb();
    srv = await startRealtimeTestServer({ db, maxQueuedPackets: MAX_QUEUED });
  });
  afterAll(async () => {
    await srv?.close();
    await db?.close();
  });

  it('cuts a client that stops reading, keeps its queue bounded, never slows the others, and lets it catch up', async () => {
    const agent = await srv.signup();
    const healthy = await TestRealtimeClient.connect({ url: srv.url, cookie: agent.cookie });
    const frozen = await TestRealtimeClient.connect({ url: srv.url, cookie: agent.cookie });
    const frozenServerSide = srv.io.sockets.sockets.get(frozen.socket.id!)!;
    const conn = frozenServerSide.conn as unknown as { writeBuffer: unknown[] };
    const resume = stopReading(frozen);

    let maxQueued = 0;
    let cutAt: number | null = null;
    frozenServerSide.on('disconnect', () => (cutAt ??= healthy.lastSeq));
    const started = Date.now();
    for (let i = 1; i <= EVENTS; i++) {
      await srv.append(agent.accountId, 'campaign.updated', { campaign: fakeCampaign({ id: agent.accountId, text: PAD, sent: i }) });
      maxQueued = Math.max(maxQueued, conn.writeBuffer?.length ?? 0);
    }
    await healthy.waitForSeq(EVENTS, 60_000);
    const healthyMs = Date.now() - started;

    expect(healthy.appliedSeqs()).toHaveLength(EVENTS);
    expect(healthy.fetches).toEqual([]); // everything arrived live, in order
    expect(cutAt).not.toBeNull(); // the frozen one was disconnected while the stream went on
    expect(maxQueued).toBeLessThanOrEqual(MAX_QUEUED + 1); // + the packet that tripped the guard
    console.info(
      `[backpressure] ${EVENTS} × 64 KiB events: healthy client had all in ${healthyMs} ms; ` +
        `frozen client cut after ${cutAt} events with ≤ ${maxQueued} packets queued for it`,
    );

    // Back online: it reconnects by itself and fetches exactly what it missed.
    resume();
    await frozen.waitForSeq(EVENTS, 60_000);
    expect(frozen.appliedSeqs()).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
    healthy.close();
    frozen.close();
  }, 180_000);
});
