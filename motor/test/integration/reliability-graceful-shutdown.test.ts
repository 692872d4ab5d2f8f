import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LoadClient, runClosedLoop, sleep, waitUntil } from '../support/load.js';
import { createBenchDatabase, seedTenants, type BenchDatabase, type BenchTenant } from '../support/load-fixture.js';
import { ensureMotorBuilt, startMotor, type MotorProcess } from '../support/motor-process.js';
import { postgresUnavailable } from '../support/postgres-test-db.js';
import { describeWithService } from '../support/requires-service.js';
import { messageTraffic } from '../support/webhook-factory.js';

// A rolling deploy (docs/operations.md "Graceful shutdown"): webhooks flow to Motor A on
// PostgreSQL, Motor B starts on the same database and joins, A gets SIGTERM while traffic flows.
// A sender that plays the load balancer and Evolution's retry sends each webhook to a live Motor
// and, when one refuses, cuts or sheds it, sends it again to the other. What must hold: A exits by
// itself (code 0, not the SIGKILL fallback), every webhook answered 200 by either Motor is stored
// exactly once, and A's agent socket is closed the way that makes socket.io-client reconnect
// ("transport close"), after which the event log on B has everything it had not seen.

const down = await postgresUnavailable();

describeWithService(down, 'graceful shutdown on SIGTERM while webhooks flow (PostgreSQL, two Motors)', () => {
  let database: BenchDatabase;
  let tenants: BenchTenant[];
  let a: MotorProcess | undefined;
  let b: MotorProcess | undefined;

  beforeAll(async () => {
    ensureMotorBuilt();
    database = await createBenchDatabase('postgres');
    const db = await database.open();
    tenants = await seedTenants(db, { accounts: 3, instancesPerAccount: 1 });
    await db.close();
    a = await startMotor({ env: { ...database.motorEnv, SHUTDOWN_GRACE_MS: '10000' } });
  }, 300_000); // ensureMotorBuilt() may rebuild (tsc) on a busy machine
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await database?.drop();
  }, 60_000);

  it('loses no acknowledged webhook, exits 0, and sends its sockets to reconnect', async () => {
    const instances = tenants.flatMap((t) => t.instances);
    const next = messageTraffic({ targets: instances.map((i) => ({ instance: i.name, secret: i.secret })), conversationsPerTarget: 5 });

    // One agent of the first account on A.
    const agent: Socket = io(a!.url, {
      path: '/socket.io',
      transports: ['websocket'],
      extraHeaders: { cookie: tenants[0]!.cookie },
      forceNew: true,
      reconnection: false,
    });
    // Without Redis, A's sockets hear only A's broadcasts: B's events are gaps the client fills
    // from the log, starting after the last seq it holds without a gap (as the dashboard does).
    const seen = new Map<string, number>(); // waMessageId → seq
    const seqs = new Set<number>();
    agent.onAny((_type: string, e: { seq?: number }) => {
      if (typeof e?.seq === 'number') seqs.add(e.seq);
    });
    agent.on('message.created', (e: { seq: number; data: { message: { waMessageId: string } } }) => {
      seen.set(e.data.message.waMessageId, e.seq);
    });
    const ready = new Promise<{ seq: number }>((resolve) => agent.once('ready', resolve));
    const disconnected = new Promise<string>((resolve) => agent.once('disconnect', (reason) => resolve(reason)));
    const readySeq = (await ready).seq;

    const clients = new Map<string, LoadClient>();
    const clientOf = (url: string) => clients.get(url) ?? clients.set(url, new LoadClient(url, { maxSockets: 8 })).get(url)!;
    const live: MotorProcess[] = [a!];
    const accepted = new Map<string, { instance: string; by: 'a' | 'b'; afterSigterm: boolean }>();
    let sigtermAt = Infinity;
    let retried = 0;
    let turn = 0;
    let stop = false;

    const load = runClosedLoop({
      concurrency: 8,
      durationMs: 120_000,
      stop: () => stop,
      op: async () => {
        const t = next();
        // Round robin over the live Motors; a refusal, a cut connection or a 503 sends it to the next.
        for (let attempt = 0; attempt < 20 && !stop; attempt++) {
          const target = live[turn++ % live.length]!;
          try {
            const r = await clientOf(target.url).post('/api/webhook', t.body, { 'x-motor-token': t.target.secret }, 15_000);
            if (r.status === 200) {
              accepted.set(t.id, { instance: t.target.instance, by: target === a ? 'a' : 'b', afterSigterm: Date.now() > sigtermAt });
              return true;
            }
            if (r.status !== 503) throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 200)}`);
          } catch (err) {
            if (/^HTTP /.test((err as Error).message)) throw err;
          }
          retried++;
          await sleep(20);
        }
        return false;
      },
    });

    await waitUntil(() => accepted.size >= 40, { timeoutMs: 60_000, what: '40 webhooks acknowledged by A' });
    b = await startMotor({ env: database.motorEnv });
    live.push(b);
    const beforeB = accepted.size;
    await waitUntil(() => [...accepted.values()].filter((x) => x.by === 'b').length >= 20 && accepted.size >= beforeB + 40, {
      timeoutMs: 60_000,
      what: 'both Motors acknowledging',
    });

    // The deploy: A is told to stop while traffic flows; the "load balancer" keeps it in its list
    // (as a real one does until its health check fails), so requests keep arriving at A.
    sigtermAt = Date.now();
    const stopped = a!.stop(30_000); // SIGTERM, SIGKILL only after 30 s
    const reason = await disconnected;
    await stopped;
    live.splice(live.indexOf(a!), 1);
    const acceptedAtExit = accepted.size;
    await waitUntil(() => accepted.size >= acceptedAtExit + 20, { timeoutMs: 60_000, what: 'B carrying the traffic alone' });
    stop = true;
    const stats = await load;
    for (const c of clients.values()) c.close();

    expect(a!.exited(), a!.output().slice(-2000)).toEqual({ code: 0, signal: null });
    expect(reason).toBe('transport close'); // socket.io-client reconnects on this one
    expect(stats.failed).toBe(0); // every webhook found a Motor in the end

    const ids = [...accepted.keys()];
    const stored = await database.query<{ wa: string; n: number }>(
      `select wa_message_id as wa, count(*)::int as n from public.messages group by wa_message_id`,
    );
    const storedCount = new Map(stored.map((r) => [r.wa, Number(r.n)]));
    const lost = ids.filter((id) => storedCount.get(id) !== 1);
    expect(lost, `${lost.length} of ${ids.length} acknowledged webhooks are not stored exactly once`).toEqual([]);

    // What A's agent missed is in the event log, read from B after its reconnect.
    const mine = new Set(tenants[0]!.instances.map((i) => i.name));
    const missed = ids.filter((id) => mine.has(accepted.get(id)!.instance) && !seen.has(id));
    const caughtUp = new Set<string>();
    const http = new LoadClient(b!.url);
    let held = readySeq;
    while (seqs.has(held + 1)) held++;
    for (let after = held; ; ) {
      const r = await http.get(`/api/events?after=${after}&limit=1000`, { cookie: tenants[0]!.cookie });
      expect(r.status).toBe(200);
      const page = JSON.parse(r.body) as { seq: number; events: Array<{ seq: number; type: string; data: { message?: { waMessageId: string } } }> };
      for (const e of page.events) if (e.type === 'message.created') caughtUp.add(e.data.message!.waMessageId);
      if (page.events.length === 0) break;
      after = page.events.at(-1)!.seq;
    }
    http.close();
    expect(missed.filter((id) => !caughtUp.has(id))).toEqual([]);

    const byA = [...accepted.values()].filter((x) => x.by === 'a');
    console.log(
      `[graceful-shutdown] ${ids.length} acknowledged (${byA.length} by A, ${byA.filter((x) => x.afterSigterm).length} of them after SIGTERM), ` +
        `${retried} sent again after a refusal, all stored once; A's agent missed ${missed.length}, all in B's event log`,
    );
  }, 240_000);
});
