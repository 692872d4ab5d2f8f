import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../logger.js';
import { controlRoutes } from './simulator.control.js';
import type { SimContext } from './simulator.lifecycle.js';
import { resetAll } from './simulator.lifecycle.js';
import { evolutionRoutes } from './simulator.rest.js';
import { SimRouter } from './simulator.router.js';
import { DEFAULT_TIMINGS, SimHttpError, type SimInstance, type SimulatorTimings } from './simulator.state.js';
import { SimulatorStore } from './simulator.persistence.js';
import { SimulatorWebhooks } from './simulator.webhooks.js';

// Evolution's JSON limit: a 100 MB document as base64 fits.
const BODY_LIMIT = 136 * 1024 * 1024;
const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
};

export interface SimulatorOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** The global `apikey` (AUTHENTICATION_API_KEY); also guards `/_sim/...`. */
  apiKey: string;
  timings?: Partial<Omit<SimulatorTimings, 'retry'>> & { retry?: Partial<SimulatorTimings['retry']> };
  /** The number a scan pairs when none is given (digits). */
  defaultPhone?: string;
  /** For webhooks (tests may inject one). */
  fetch?: typeof fetch;
  /** Keep instances across restarts in this JSON file (the Motor uses DATA_DIR/simulator.json). */
  stateFile?: string;
  /**
   * AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES: webhooks carry the instance token in `apikey`
   * (Evolution's .env.example sets it true; its code default is false → `apikey: null`). Default true.
   */
  exposeToken?: boolean;
}

export interface RunningSimulator {
  /** Base URL, e.g. http://127.0.0.1:8081. */
  url: string;
  port: number;
  /** The in-memory instances (read-only use in tests). */
  instances: ReadonlyMap<string, SimInstance>;
  /** Resolves when no webhook delivery is in flight. */
  webhooksIdle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the Evolution simulator: Evolution 2.3.6's REST subset, its webhooks and a `/_sim`
 * control API, all in memory (a simulated WhatsApp; nothing reaches real numbers).
 *
 * @example
 *   const sim = await startSimulator({ port: 0, logger, apiKey: 'k', timings: { qrIntervalMs: 200 } });
 *   const wa = new EvolutionClient({ baseUrl: sim.url, apiKey: 'k' });
 *   await sim.close();
 */
export async function startSimulator(opts: SimulatorOptions): Promise<RunningSimulator> {
  const timings: SimulatorTimings = {
    ...DEFAULT_TIMINGS,
    ...opts.timings,
    retry: { ...DEFAULT_TIMINGS.retry, ...opts.timings?.retry },
  };
  let url = '';
  const ctx: SimContext = {
    instances: new Map(),
    hooks: new SimulatorWebhooks({
      serverUrl: () => url,
      timings,
      logger: opts.logger,
      fetch: opts.fetch,
      exposeToken: opts.exposeToken ?? true,
    }),
    timings,
    logger: opts.logger,
    defaultPhone: opts.defaultPhone ?? '5511999990000',
  };
  const store = opts.stateFile ? new SimulatorStore({ file: opts.stateFile, logger: opts.logger }) : null;
  store?.load(ctx.instances);
  const router = new SimRouter().add(...evolutionRoutes, ...controlRoutes);
  const server = http.createServer((req, res) => {
    handle(req, res, router, ctx, opts.apiKey)
      .then(() => store?.save(ctx.instances))
      .catch((err) => {
        opts.logger.error({ err }, 'simulator request failed');
        if (!res.headersSent) send(res, 500, envelope(500, 'Internal Server Error'));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1';
  url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
  return {
    url,
    port: addr.port,
    instances: ctx.instances,
    webhooksIdle: () => ctx.hooks.idle(),
    async close() {
      ctx.closed = true;
      resetAll(ctx);
      ctx.hooks.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  router: SimRouter,
  ctx: SimContext,
  apiKey: string,
) {
  const u = new URL(req.url ?? '/', 'http://simulator');
  const found = router.match(req.method ?? 'GET', u.pathname);
  if (!found) return drainAndSend(req, res, 404, envelope(404, [`Cannot ${req.method} ${u.pathname}`]));
  try {
    const { route, params } = found;
    if (route.auth !== 'none' && !authorized(req, route.auth, params.name, ctx, apiKey, u))
      throw new SimHttpError(401, 'Unauthorized');
    const body = await readJson(req);
    const out = await route.handler({ params, query: u.searchParams, body, ctx });
    send(res, out.status, out.body);
  } catch (err) {
    if (!(err instanceof SimHttpError)) throw err;
    drainAndSend(req, res, err.status, envelope(err.status, err.evolutionMessage));
  }
}

/** Evolution's authGuard: the global key anywhere, an instance token only for its own instance. */
function authorized(
  req: http.IncomingMessage,
  auth: 'global' | 'instance',
  name: string | undefined,
  ctx: SimContext,
  apiKey: string,
  u: URL,
): boolean {
  const given = req.headers.apikey;
  if (typeof given !== 'string' || given === '') return false;
  if (safeEqual(given, apiKey)) return true;
  if (auth === 'global') return false;
  const instanceName = name ?? u.searchParams.get('instanceName') ?? undefined;
  const inst = instanceName ? ctx.instances.get(instanceName) : undefined;
  return inst !== undefined && safeEqual(given, inst.token);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const envelope = (status: number, message: unknown) => ({
  status,
  error: REASONS[status] ?? 'Error',
  response: { message },
});

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw new SimHttpError(413, ['request entity too large']);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SimHttpError(400, [(err as Error).message]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new SimHttpError(400, [['instance is not of a type(s) object']]);
  return parsed as Record<string, unknown>;
}

function drainAndSend(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: unknown) {
  req.resume();
  send(res, status, body);
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-simulated': 'evolution-simulator',
  });
  res.end(text);
}
