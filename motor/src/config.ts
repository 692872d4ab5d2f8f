import { z } from 'zod';

/**
 * The Motor's configuration: the only module that reads `process.env`.
 * A wrong value stops start-up with a message naming the variable.
 *
 * @example
 *   const config = loadConfig(process.env);
 */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const url = (protocols: string[]) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.join(' or ')})` },
  );

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port(3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: url(['http:', 'https:']),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  // Group commit for the Postgres driver (adapters/db/postgres/group-commit.ts): concurrent writes
  // share one transaction, each answered after its commit. See README "Performance".
  DATABASE_GROUP_COMMIT: z.enum(['on', 'off']).default('off'),
  SUPABASE_URL: url(['http:', 'https:']),
  SUPABASE_SERVICE_ROLE_KEY: optionalString,
  SUPABASE_ANON_KEY: optionalString,
  SUPABASE_JWT_SECRET: optionalString,
  // The private bucket media files go to when Supabase is configured (made at start when missing).
  SUPABASE_STORAGE_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, 'lowercase letters, digits, dots, dashes, underscores')
    .default('atende-media'),
  REDIS_URL: url(['redis:', 'rediss:']),
  EVOLUTION_API_URL: url(['http:', 'https:']),
  EVOLUTION_API_KEY: optionalString,
  EVOLUTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  SIMULATOR_PORT: port(8081),
  // How long the simulator's instance/create takes (Evolution 2.3.6: 5–9 s; tests shorten it).
  SIMULATOR_CREATE_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  WEBHOOK_TOKEN: optionalString,
  // GET /metrics (docs/operations.md): answered only with this bearer token; unset = 404.
  METRICS_TOKEN: optionalString,
  GROQ_API_KEY: optionalString,
  GROQ_MODEL: z.string().default('llama-3.3-70b-versatile'),
  GROQ_BASE_URL: url(['http:', 'https:']),
  SESSION_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
    message: 'must be at least 32 characters',
  }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EVENT_RETENTION_HOURS: z.coerce.number().int().min(1).default(72),
  // Security (docs/security.md): see parseTrustProxy and parseOrigins below for the formats.
  EVOLUTION_SIMULATOR: z.enum(['true', 'false']).optional(),
  TRUST_PROXY: optionalString,
  DASHBOARD_ORIGINS: optionalString,
  MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(2000),
  WEBHOOK_MAX_INFLIGHT: z.coerce.number().int().min(1).max(100_000).default(512),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  SIGNUP_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10),
  // Campaign pacing (docs/campaigns.md): ban protection on top of each campaign's rate.
  CAMPAIGN_DAILY_CAP: z.coerce.number().int().min(1).default(1000),
  CAMPAIGN_BREAK_EVERY: z.coerce.number().int().min(0).default(50),
  CAMPAIGN_BREAK_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  CAMPAIGN_JITTER: z.coerce.number().min(0).max(0.9).default(0.3),
});

export type Env = z.infer<typeof envSchema>;

export type DatabaseConfig =
  | { driver: 'pglite'; dataDir: string }
  | { driver: 'postgres'; url: string; groupCommit?: boolean }
  | { driver: 'supabase'; url: string; serviceRoleKey: string };

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  database: DatabaseConfig;
  supabase: {
    url: string;
    serviceRoleKey: string;
    anonKey?: string;
    jwtSecret?: string;
    /** Media files' private bucket (SUPABASE_STORAGE_BUCKET). */
    storageBucket?: string;
  } | null;
  redisUrl?: string;
  /** `timeoutMs`: per Evolution REST call (EVOLUTION_TIMEOUT_MS). */
  evolution: (
    { mode: 'real'; url: string; apiKey: string } | { mode: 'simulator'; port: number; createDelayMs: number }
  ) & {
    timeoutMs: number;
  };
  webhookToken?: string;
  /** Bearer token of GET /metrics (METRICS_TOKEN); unset: /metrics answers 404. */
  metricsToken?: string;
  groq: { apiKey: string; model: string; baseUrl?: string } | null;
  /** GROQ_MODEL: the model of accounts that did not pick one (also shown when no key is set). */
  aiModel: string;
  sessionSecret?: string;
  logLevel: Env['LOG_LEVEL'];
  eventRetentionHours: number;
  /**
   * Which peers may tell the client's address in X-Forwarded-For (and https in X-Forwarded-Proto):
   * `false` (none: the socket's address counts), a hop count, or addresses/CIDRs/`loopback`…
   */
  trustProxy: false | number | string[];
  /** Exact origins of a dashboard served elsewhere (cross-origin mode); empty = same origin only. */
  dashboardOrigins: string[];
  /** The HTTP server's cap on open connections (sockets included). */
  maxConnections: number;
  /** Webhooks being processed at once past which new ones get 503 + Retry-After. */
  webhookMaxInflight: number;
  /** On SIGTERM, how long requests in flight may take before their connections are cut. */
  shutdownGraceMs: number;
  /** Signups per client IP per hour. */
  signupRateLimit: number;
  /** CAMPAIGN_*: per-number daily cap, a break of `breakMs` every `breakEvery` sends, ±jitter of the gap. */
  campaigns: { dailyCap: number; breakEvery: number; breakMs: number; jitter: number };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment into the Motor's typed config, or throws a ConfigError naming the variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const need = (name: keyof Env, when: string) => {
    throw new ConfigError(`Invalid configuration:\n  ${name}: required when ${when}`);
  };

  let database: DatabaseConfig = { driver: 'pglite', dataDir: e.DATA_DIR };
  let supabase: Config['supabase'] = null;
  if (e.SUPABASE_URL) {
    if (!e.SUPABASE_SERVICE_ROLE_KEY) need('SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_URL is set');
    supabase = {
      url: e.SUPABASE_URL,
      serviceRoleKey: e.SUPABASE_SERVICE_ROLE_KEY!,
      anonKey: e.SUPABASE_ANON_KEY,
      jwtSecret: e.SUPABASE_JWT_SECRET,
      storageBucket: e.SUPABASE_STORAGE_BUCKET,
    };
  }
  // DATABASE_URL wins for data when both are set (a direct connection is faster than PostgREST);
  // Supabase Auth still applies.
  if (e.DATABASE_URL)
    database = {
      driver: 'postgres',
      url: e.DATABASE_URL,
      ...(e.DATABASE_GROUP_COMMIT === 'on' ? { groupCommit: true } : {}),
    };
  else if (supabase)
    database = { driver: 'supabase', url: supabase.url, serviceRoleKey: supabase.serviceRoleKey };

  // Several Motor processes (REDIS_URL) must sign and verify session cookies with one key; a
  // secret generated per process into DATA_DIR would make each refuse the others' sessions.
  if (e.REDIS_URL && !e.SESSION_SECRET && !supabase)
    need('SESSION_SECRET', 'REDIS_URL is set (all Motor processes must share it)');

  let evolution: Config['evolution'] = {
    mode: 'simulator',
    port: e.SIMULATOR_PORT,
    createDelayMs: e.SIMULATOR_CREATE_DELAY_MS,
    timeoutMs: e.EVOLUTION_TIMEOUT_MS,
  };
  // The simulator (and its unauthenticated-by-design phone side, /api/sandbox) is a product demo:
  // in production it must be asked for, so a forgotten EVOLUTION_API_URL cannot ship it.
  if (e.NODE_ENV === 'production' && !e.EVOLUTION_API_URL && e.EVOLUTION_SIMULATOR !== 'true') {
    need(
      'EVOLUTION_API_URL',
      'NODE_ENV=production (or set EVOLUTION_SIMULATOR=true to run the simulated WhatsApp on purpose)',
    );
  }
  if (e.EVOLUTION_API_URL) {
    if (!e.EVOLUTION_API_KEY) need('EVOLUTION_API_KEY', 'EVOLUTION_API_URL is set');
    evolution = {
      mode: 'real',
      url: e.EVOLUTION_API_URL.replace(/\/+$/, ''),
      apiKey: e.EVOLUTION_API_KEY!,
      timeoutMs: e.EVOLUTION_TIMEOUT_MS,
    };
  }

  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ''),
    dataDir: e.DATA_DIR,
    database,
    supabase,
    redisUrl: e.REDIS_URL,
    evolution,
    webhookToken: e.WEBHOOK_TOKEN,
    metricsToken: e.METRICS_TOKEN,
    groq: e.GROQ_API_KEY ? { apiKey: e.GROQ_API_KEY, model: e.GROQ_MODEL, baseUrl: e.GROQ_BASE_URL } : null,
    aiModel: e.GROQ_MODEL,
    sessionSecret: e.SESSION_SECRET,
    logLevel: e.LOG_LEVEL,
    eventRetentionHours: e.EVENT_RETENTION_HOURS,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    dashboardOrigins: parseOrigins(e.DASHBOARD_ORIGINS),
    maxConnections: e.MAX_CONNECTIONS,
    webhookMaxInflight: e.WEBHOOK_MAX_INFLIGHT,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    signupRateLimit: e.SIGNUP_RATE_LIMIT,
    campaigns: {
      dailyCap: e.CAMPAIGN_DAILY_CAP,
      breakEvery: e.CAMPAIGN_BREAK_EVERY,
      breakMs: Math.round(e.CAMPAIGN_BREAK_SECONDS * 1000),
      jitter: e.CAMPAIGN_JITTER,
    },
  };
}

const bad = (name: string, message: string) =>
  new ConfigError(`Invalid configuration:\n  ${name}: ${message}`);

/**
 * TRUST_PROXY: unset/`false` → trust no proxy; `1`, `2`… → that many hops in front of the Motor;
 * otherwise a comma list of addresses, CIDRs, or `loopback` / `linklocal` / `uniquelocal`.
 * `true` (trust everyone) is refused: any client could then pick its own IP.
 */
export function parseTrustProxy(v: string | undefined): Config['trustProxy'] {
  if (v === undefined || v === 'false' || v === '0') return false;
  if (/^\d+$/.test(v)) return Number(v);
  if (v === 'true')
    throw bad(
      'TRUST_PROXY',
      'true would let any client choose its IP; give a hop count or the proxy addresses',
    );
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const ok = /^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/;
  const wrong = list.find((s) => !ok.test(s));
  if (wrong)
    throw bad('TRUST_PROXY', `"${wrong}" is not an address, a CIDR, loopback, linklocal or uniquelocal`);
  return list;
}

/** DASHBOARD_ORIGINS: a comma list of exact origins (`https://app.example.com`), no paths, no `*`. */
export function parseOrigins(v: string | undefined): string[] {
  if (!v) return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        throw bad('DASHBOARD_ORIGINS', `"${s}" is not an origin like https://app.example.com`);
      }
      if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.origin !== s.replace(/\/$/, '')) {
        throw bad('DASHBOARD_ORIGINS', `"${s}" must be exactly scheme://host[:port], nothing else`);
      }
      return u.origin;
    });
}
