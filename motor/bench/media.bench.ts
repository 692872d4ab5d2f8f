import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { LoadClient, percentiles, runClosedLoop, runFixedRate, sleep, waitUntil } from '../test/support/load.js';
import { startMotor } from '../test/support/motor-process.js';
import { createBenchDatabase, seedTenants } from '../test/support/load-fixture.js';
import { connectAgents } from './lib/agents.js';
import type { BenchResult, Row } from './lib/report.js';
import { benchSeconds } from './lib/settings.js';
import { trafficFor } from './lib/traffic.js';

/**
 * Media does not slow ingest, and a file is served fast:
 *
 * 1. Webhook POST → 200 and → `message.created` at the agents' sockets, at a fixed rate, with no
 *    media being fetched vs while 20 media files are being fetched from Evolution (phases
 *    alternate idle/busy/idle/busy in the same run). The fetches are real: the Motor's background
 *    fetch asks a local Evolution stand-in for `getBase64FromMediaMessage`, which answers a 5 MB
 *    file as base64 after 1–3 s (Evolution downloading it from WhatsApp); it is decoded and written
 *    to DATA_DIR/media while the webhooks are measured. New media messages keep ~20 fetches in
 *    flight for the whole busy phase.
 * 2. A 5 MB image served by `GET /api/messages/:id/media` (session check, SQL lookup, storage
 *    stat, stream from the local disk) to 50 concurrent agents, vs a plain node:http server that
 *    pipes `fs.createReadStream` of the same file (the floor), in the same run.
 */

const RATE = Number(process.env.BENCH_MEDIA_RATE ?? 20);
const IN_FLIGHT = 20;
const FILE_BYTES = 5 * 1024 * 1024;
const SERVE_CONCURRENCY = 50;
const SERVE_REQUESTS = Number(process.env.BENCH_MEDIA_REQUESTS ?? 200);

/** A JPEG-looking 5 MB file (the Motor does not decode images; only its bytes travel). */
function bigJpeg(): Buffer {
  const b = Buffer.alloc(FILE_BYTES);
  for (let i = 0; i < b.length; i++) b[i] = (i * 2654435761) >>> 24;
  b.set([0xff, 0xd8, 0xff, 0xe0], 0);
  return b;
}

/** The Evolution REST subset the Motor calls here, with getBase64FromMediaMessage slow and large. */
async function startEvolutionStandIn() {
  const base64 = bigJpeg().toString('base64');
  let inFlight = 0;
  let served = 0;
  const samples: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      const url = req.url ?? '/';
      if (req.method === 'GET' && url === '/')
        return json(200, { status: 200, message: 'Welcome to the Evolution API, it is working!', version: '2.3.6' });
      if (url.startsWith('/chat/getBase64FromMediaMessage/')) {
        inFlight++;
        samples.push(inFlight);
        setTimeout(
          () => {
            json(201, {
              mediaType: 'imageMessage',
              fileName: null,
              caption: null,
              size: { fileLength: FILE_BYTES, height: 1080, width: 1920 },
              mimetype: 'image/jpeg',
              base64,
            });
            inFlight--;
            served++;
          },
          1000 + Math.random() * 2000,
        );
        return;
      }
      if (url.startsWith('/chat/findMessages/'))
        return json(200, { messages: { total: 0, pages: 0, currentPage: 1, records: [] } });
      json(404, { status: 404, error: 'Not Found', response: { message: ['not here'] } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get inFlight() {
      return inFlight;
    },
    get served() {
      return served;
    },
    samples,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The floor for serving: the same file, piped from disk by node:http, no auth, no lookup. */
async function startPlainFileServer(file: string) {
  const size = statSync(file).size;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** `SERVE_REQUESTS` downloads by `SERVE_CONCURRENCY` clients: per-request latency and throughput. */
async function download(url: string, headers: Record<string, string>) {
  const client = new LoadClient(url, { maxSockets: SERVE_CONCURRENCY });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let bytes = 0;
  const started = performance.now();
  const stats = await runClosedLoop({
    concurrency: SERVE_CONCURRENCY,
    total: SERVE_REQUESTS,
    op: async () => {
      const t0 = performance.now();
      const r = await new Promise<{ status: number; size: number }>((resolve, reject) => {
        const req = http.get(url, { agent: client.agent, headers }, (res) => {
          let size = 0;
          res.on('data', (c: Buffer) => (size += c.length));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, size }));
          res.on('error', reject);
        });
        req.on('error', reject);
      });
      latencies.push(performance.now() - t0);
      bytes += r.size;
      const k = r.size === FILE_BYTES ? String(r.status) : `${r.status} (${r.size} bytes)`;
      statuses[k] = (statuses[k] ?? 0) + 1;
      return r.status === 200 && r.size === FILE_BYTES;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  client.close();
  return { latency: percentiles(latencies), mbPerSecond: bytes / 2 ** 20 / seconds, ok: stats.ok, seconds, statuses };
}

export async function run(): Promise<BenchResult[]> {
  const started = Date.now();
  const seconds = benchSeconds();
  const evolution = await startEvolutionStandIn();
  const database = await createBenchDatabase('pglite');
  const rows: Row[] = [];
  const notes: string[] = [
    'driver: PGlite (the embedded default); media work is files and HTTP, the same on every driver',
  ];
  const details: Record<string, unknown> = { rate: RATE, seconds, fileBytes: FILE_BYTES, inFlightTarget: IN_FLIGHT };
  try {
    const db = await database.open();
    const [tenant] = await seedTenants(db, { accounts: 1, instancesPerAccount: 1 });
    await db.close();
    const inst = tenant!.instances[0]!;
    const motor = await startMotor({
      env: { ...database.motorEnv, EVOLUTION_API_URL: evolution.url, EVOLUTION_API_KEY: 'bench-key' },
    });
    const client = new LoadClient(motor.url, { maxSockets: 128 });
    try {
      const agents = await connectAgents({ url: motor.url, tenants: [tenant!], perTenant: 5 });
      const next = trafficFor([inst], 8);
      let media = 0;
      const mediaHook = () => {
        const t = next();
        const data = t.body.data as { message: unknown; messageType: string };
        data.message = {
          imageMessage: { mimetype: 'image/jpeg', fileLength: String(FILE_BYTES), width: 1920, height: 1080 },
        };
        data.messageType = 'imageMessage';
        media++;
        return client.post('/api/webhook', t.body, { 'x-motor-token': inst.secret });
      };
      const phases: Array<{ busy: boolean; ack: number[]; socket: number[]; inFlight: number[]; waiting: number[] }> = [];
      const sentAt = new Map<string, number>();
      let current: (typeof phases)[number] | null = null;
      agents.onMessage((id, at) => {
        const s = sentAt.get(id);
        if (s !== undefined && current) current.socket.push(at - s);
      });
      try {
        for (const busy of [false, true, false, true]) {
          const phase = { busy, ack: [] as number[], socket: [] as number[], inFlight: [] as number[], waiting: [] as number[] };
          let keep: NodeJS.Timeout | null = null;
          if (busy) {
            // Keep ~20 media messages waiting for their file: top up as files are served.
            const topUp = () => {
              const missing = IN_FLIGHT - (media - evolution.served);
              for (let i = 0; i < missing; i++) void mediaHook();
            };
            topUp();
            await waitUntil(() => evolution.inFlight > 0, { timeoutMs: 10_000, what: 'fetches in flight' });
            keep = setInterval(topUp, 100);
          } else {
            await waitUntil(() => evolution.served >= media, { timeoutMs: 120_000, what: 'fetches done' });
            await sleep(1000); // the last files are written
          }
          current = phase;
          sentAt.clear();
          const sampler = setInterval(() => {
            phase.inFlight.push(evolution.inFlight);
            phase.waiting.push(media - evolution.served);
          }, 100);
          await runFixedRate({
            rate: RATE,
            durationMs: seconds * 1000,
            op: async () => {
              const t = next();
              const t0 = performance.now();
              sentAt.set(t.id, t0);
              const r = await client.post('/api/webhook', t.body, { 'x-motor-token': inst.secret });
              phase.ack.push(performance.now() - t0);
              return r.status === 200;
            },
          });
          clearInterval(sampler);
          if (keep) clearInterval(keep);
          await sleep(1000);
          phases.push(phase);
        }
        await waitUntil(() => evolution.served >= media, { timeoutMs: 120_000, what: 'fetches done' });
        await sleep(2000);
      } finally {
        agents.close();
      }
      const pick = (busy: boolean) => phases.filter((p) => p.busy === busy);
      const ackIdle = percentiles(pick(false).flatMap((p) => p.ack));
      const ackBusy = percentiles(pick(true).flatMap((p) => p.ack));
      const sockIdle = percentiles(pick(false).flatMap((p) => p.socket));
      const sockBusy = percentiles(pick(true).flatMap((p) => p.socket));
      const busyInFlight = pick(true).flatMap((p) => p.inFlight);
      const meanInFlight = busyInFlight.reduce((a, b) => a + b, 0) / Math.max(1, busyInFlight.length);
      const mediaWaiting = pick(true).flatMap((p) => p.waiting);
      const meanWaiting = mediaWaiting.reduce((a, b) => a + b, 0) / Math.max(1, mediaWaiting.length);
      const idle = (v: number) => ({ name: 'no media being fetched (same run)', value: v });
      rows.push(
        { name: 'webhook → 200 p50, 20 media fetches running', value: ackBusy.p50, unit: 'ms', baseline: idle(ackIdle.p50) },
        {
          name: 'webhook → 200 p99, 20 media fetches running',
          value: ackBusy.p99,
          unit: 'ms',
          baseline: idle(ackIdle.p99),
          target: 'unchanged',
          note: `${ackBusy.count} / ${ackIdle.count} webhooks busy / idle; during the busy phases ${meanWaiting.toFixed(1)} media messages waiting for their file on average, ${meanInFlight.toFixed(1)} of them at Evolution; ${evolution.served} files of 5 MB fetched and stored`,
        },
        { name: 'webhook → message.created p99, 20 media fetches running', value: sockBusy.p99, unit: 'ms', baseline: idle(sockIdle.p99) },
      );
      details.ingest = { ackIdle, ackBusy, socketIdle: sockIdle, socketBusy: sockBusy, meanInFlight, meanWaiting, mediaMessages: media };

      // 2. Serving: one stored 5 MB image to 50 concurrent agents.
      const page = JSON.parse((await client.get('/api/conversations?limit=50', { cookie: tenant!.cookie })).body) as Array<{ id: string }>;
      let imageId: string | null = null;
      for (const c of page) {
        const msgs = JSON.parse(
          (await client.get(`/api/conversations/${c.id}/messages?limit=200`, { cookie: tenant!.cookie })).body,
        ) as Array<{ id: string; type: string }>;
        imageId = msgs.find((m) => m.type === 'image')?.id ?? null;
        if (imageId) break;
      }
      if (!imageId) throw new Error('no stored image to serve');
      const file = path.join(database.motorEnv.DATA_DIR!, 'media', tenant!.accountId, imageId);
      await waitUntil(() => {
        try {
          return statSync(`${file}.json`).size > 0;
        } catch {
          return false;
        }
      }, { timeoutMs: 30_000, what: 'the image stored' });
      const plain = await startPlainFileServer(file);
      try {
        const viaMotor = await download(`${motor.url}/api/messages/${imageId}/media`, { cookie: tenant!.cookie });
        const floor = await download(plain.url, {});
        const plainRow = (v: number) => ({ name: 'plain fs.createReadStream server (same run)', value: v });
        rows.push(
          {
            name: `5 MB image to ${SERVE_CONCURRENCY} concurrent agents: p50 per download`,
            value: viaMotor.latency.p50,
            unit: 'ms',
            baseline: plainRow(floor.latency.p50),
          },
          {
            name: `5 MB image to ${SERVE_CONCURRENCY} concurrent agents: p99 per download`,
            value: viaMotor.latency.p99,
            unit: 'ms',
            baseline: plainRow(floor.latency.p99),
          },
          {
            name: `5 MB image to ${SERVE_CONCURRENCY} concurrent agents: throughput`,
            value: viaMotor.mbPerSecond,
            unit: 'MB/s',
            baseline: plainRow(floor.mbPerSecond),
            note: `${viaMotor.ok}/${SERVE_REQUESTS} complete downloads through the Motor in ${viaMotor.seconds.toFixed(1)} s (${JSON.stringify(viaMotor.statuses)}), ${floor.ok}/${SERVE_REQUESTS} from the plain server`,
          },
        );
        details.serve = { motor: viaMotor, plain: floor };
      } finally {
        await plain.close();
      }
    } finally {
      client.close();
      await motor.stop();
    }
  } finally {
    await evolution.close();
    await database.drop();
  }
  return [
    {
      bench: 'media',
      title: `webhook latency while 20 media files are fetched (${RATE}/s, vs none, same run), and a 5 MB image served to ${SERVE_CONCURRENCY} agents (vs a plain file server)`,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      rows,
      details,
      notes,
    },
  ];
}
