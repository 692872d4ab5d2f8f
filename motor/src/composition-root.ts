import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { loadSessionSecret } from './adapters/auth/session-secret.js';
import { LocalIdentity } from './adapters/auth/local-identity.adapter.js';
import { SupabaseAuth } from './adapters/auth/supabase-auth.adapter.js';
import { SealedBox } from './adapters/auth/sealed-box.js';
import { SupabaseIdentity } from './adapters/auth/supabase-identity.adapter.js';
import { createDb } from './adapters/db/create-db.js';
import { createWhatsApp } from './adapters/evolution/create-whatsapp.js';
import { EvolutionInbound } from './adapters/evolution/webhook/evolution.inbound.js';
import { createApp } from './app.js';
import { countingPublisher, timedGateway, timedLlm } from './adapters/metrics/instrumented.js';
import { PromMetrics } from './adapters/metrics/prom-metrics.adapter.js';
import type { MetricsPort } from './ports/metrics.port.js';
import type { MotorServices } from './motor-services.js';
import { MetricsService } from './services/metrics.service.js';
import { applyServerLimits } from './http/server-limits.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import type { Db } from './ports/db.port.js';
import type { IdentityPort } from './ports/identity.port.js';
import type { RealtimePublisher } from './ports/realtime.port.js';
import type { WhatsAppInbound } from './ports/whatsapp-inbound.port.js';
import type { WhatsAppGateway, WhatsAppSandbox } from './ports/whatsapp.port.js';
import { useRedisAdapter } from './realtime/redis.adapter.js';
import { attachRealtimeGateway, type RealtimeGatewayDeps } from './realtime/socket.gateway.js';
import { createSocketPublisher, type SocketControl } from './realtime/socket.publisher.js';
import { createSocketServer } from './realtime/socket.server.js';
import type { RealtimeServer } from './realtime/socket.types.js';
import { seedDemo } from './services/auth-demo.service.js';
import { AuthService, SESSION_TTL_SECONDS } from './services/auth.service.js';
import { CampaignRunner, type CampaignRunnerOptions } from './services/campaign-runner.service.js';
import { CampaignsService } from './services/campaigns.service.js';
import { ContactsService } from './services/contacts.service.js';
import { ConversationStartService } from './services/conversation-start.service.js';
import { GroupsService } from './services/groups.service.js';
import { ConversationsService } from './services/conversations.service.js';
import { startEventRetention } from './services/events-retention.service.js';
import { EventsService } from './services/events.service.js';
import { EVOLUTION_CONFIG_FAULTS, EvolutionHealthService } from './services/evolution-health.service.js';
import { HealthService } from './services/health.service.js';
import { InstancesService } from './services/instances.service.js';
import { OutboxService, type OutboxOptions } from './services/outbox.service.js';
import { ProductsService } from './services/products.service.js';
import { MediaService, type MediaOptions } from './services/media.service.js';
import { TranscriptionService, type TranscriptionOptions } from './services/transcription.service.js';
import { SandboxService } from './services/sandbox.service.js';
import { SendMessageService } from './services/send-message.service.js';
import { UsersService } from './services/users.service.js';
import { ReconcileService, type ReconcileLimits } from './services/reconcile.service.js';
import { InstanceAuthCache } from './services/webhook-auth.service.js';
import { WebhookIntakeService } from './services/webhook-intake.service.js';
import { GroqLlm } from './adapters/groq/groq.llm.js';
import { LocalDiskStorage } from './adapters/storage/local-disk.storage.js';
import { SupabaseStorage } from './adapters/storage/supabase.storage.js';
import type { StoragePort } from './ports/storage.port.js';
import type { Llm } from './ports/llm.port.js';
import { AiSettingsService } from './services/ai-settings.service.js';
import { AiResponder, type AiResponderOptions } from './services/ai-responder.service.js';
import { AccountSettingsService } from './services/account-settings.service.js';
import { AvatarsService, type AvatarOptions } from './services/avatars.service.js';
import { QuickRepliesService } from './services/quick-replies.service.js';
import { ThreadToolsService } from './services/thread-tools.service.js';

/** The outside systems, each behind its port, as the services receive them. */
export interface MotorPorts {
  db: Db;
  realtime: RealtimePublisher;
  whatsapp: WhatsAppGateway;
  /** What arrives from WhatsApp (webhooks), as domain changes. */
  inbound: WhatsAppInbound;
  /** Local users or Supabase Auth. */
  identity: IdentityPort;
  /** The simulator's phone side; null with a real Evolution API. */
  sandbox: WhatsAppSandbox | null;
  /** The language model (Groq) when GROQ_API_KEY is set; null = AI not available. */
  llm: Llm | null;
  /** Media files of messages: a private Supabase Storage bucket with Supabase, else DATA_DIR/media. */
  storage: StoragePort;
  /** Prometheus counters and histograms (GET /metrics, docs/operations.md). */
  metrics: MetricsPort;
}

export type { MotorServices };

/** Something that runs in the background while the Motor is up (a loop, a timer). */
export interface BackgroundJob {
  stop(): void | Promise<void>;
}

/** Replacements for tests (a cloned database, a fake gateway, a silent logger, …). */
export interface MotorOverrides {
  logger?: Logger;
  /** A database the caller owns: `stop()` leaves it open. */
  db?: Db;
  /** Default: the Socket.IO publisher. */
  realtime?: RealtimePublisher;
  /** Default: Evolution at EVOLUTION_API_URL, or the built-in simulator. */
  whatsapp?: WhatsAppGateway;
  /** With `whatsapp`: the sandbox to use (default none). */
  sandbox?: WhatsAppSandbox | null;
  /** Supabase Auth mode (null: local users); default from SUPABASE_URL. */
  supabaseAuth?: SupabaseAuth | null;
  sessionSecret?: string;
  /** Outbox sender options (short polls and leases in tests). */
  outbox?: OutboxOptions;
  /** Default: groq-sdk when GROQ_API_KEY is set (GROQ_BASE_URL), else none. */
  llm?: Llm | null;
  /** AI responder options (short polls and backoffs in tests). */
  ai?: AiResponderOptions;
  /** Campaign runner timings (faster ticks in tests); pacing comes from config.campaigns. */
  campaignRunner?: Partial<CampaignRunnerOptions>;
  /** Socket.IO gateway knobs (and a stand-in for its conversations commands). */
  gateway?: Partial<
    Pick<RealtimeGatewayDeps, 'conversations' | 'maxQueuedPackets' | 'typingIntervalMs' | 'recheckSessionMs'>
  >;
  /** Seed the demo account on `start()` when the database is empty (default true; never in production). */
  demo?: boolean;
  /** Where the console lines (demo login, simulator URL) go; default console.log. */
  print?: (text: string) => void;
  /** How long to look for an instance a timed-out create may still make (tests shorten it). */
  orphanCheck?: { windowMs: number; everyMs: number };
  /** Reconciliation bounds (docs/evolution.md "Nothing lost after an outage"). */
  reconcile?: Partial<ReconcileLimits>;
  /** Run the Evolution start-up check in `start()` (default true). */
  evolutionCheck?: boolean;
  /** Default: Supabase Storage when SUPABASE_URL is set, else the local disk under DATA_DIR/media. */
  storage?: StoragePort;
  /** Media fetch retries (short in tests). */
  media?: Partial<MediaOptions>;
  /** Contact picture fetch knobs. */
  avatars?: AvatarOptions;
  /** Transcription retries (short in tests). */
  transcription?: Partial<TranscriptionOptions>;
}

export interface Motor {
  config: Config;
  logger: Logger;
  app: Koa;
  server: http.Server;
  io: RealtimeServer;
  ports: MotorPorts;
  services: MotorServices;
  /** Seeds the demo, starts background jobs, listens (on config.port/host unless given). */
  start(opts?: { port?: number; host?: string }): Promise<{ url: string; port: number }>;
  /**
   * Graceful shutdown: readiness 503, no new connections, sockets told to reconnect elsewhere,
   * requests in flight and outbox sends finished (SHUTDOWN_GRACE_MS at most for the requests),
   * then Redis, the simulator and the database it opened are closed. Calling it again returns the same promise.
   */
  stop(): Promise<void>;
}

/**
 * The composition root: builds every adapter and service once and wires them into the HTTP app
 * and the Socket.IO gateway. main.ts and the test helpers both call it; nothing else constructs
 * a service for the running app. Nothing listens until `start()`.
 *
 * @example
 *   const motor = await createMotor(loadConfig(process.env));
 *   const { url } = await motor.start();
 *   process.on('SIGTERM', () => void motor.stop());
 */
export async function createMotor(config: Config, o: MotorOverrides = {}): Promise<Motor> {
  const logger = o.logger ?? createLogger({ level: config.logLevel });
  const print = o.print ?? ((text: string) => console.log(text));
  const closers: Array<() => Promise<void>> = []; // run in reverse order by stop()

  const db = o.db ?? (await createDb(config.database));
  if (!o.db) {
    logger.info({ driver: db.driver }, 'database ready');
    closers.push(() => db.close());
  }

  // Socket.IO exists before the services (they publish through it); with REDIS_URL its rooms are
  // shared by every Motor process.
  const io = createSocketServer({ dashboardOrigins: config.dashboardOrigins });
  const sockets = createSocketPublisher({ io, logger });
  if (config.redisUrl) {
    const redis = await useRedisAdapter({ io, url: config.redisUrl, logger });
    closers.push(() => redis.close());
  }

  let whatsapp = o.whatsapp;
  let sandbox = o.sandbox ?? null;
  if (!whatsapp) {
    const wa = await createWhatsApp({ config, logger });
    closers.push(() => wa.close());
    ({ whatsapp, sandbox } = wa);
    if (wa.simulatorUrl) {
      print(
        `Evolution simulator running at ${wa.simulatorUrl} (simulated WhatsApp; set EVOLUTION_API_URL for a real Evolution API)`,
      );
    }
  }

  // Recorded once here: the publisher counts broadcasts, the gateway times each Evolution call.
  const metrics = new PromMetrics();
  metrics.gauge('sockets_connected', () => io.engine?.clientsCount ?? 0);
  const ports: MotorPorts = {
    db,
    realtime: countingPublisher(o.realtime ?? sockets, metrics),
    whatsapp: timedGateway(whatsapp, metrics),
    inbound: new EvolutionInbound(),
    identity: await createIdentity({ config, logger, db, overrides: o }),
    sandbox,
    llm: withLlmTimed(
      o.llm !== undefined
        ? o.llm
        : config.groq
          ? new GroqLlm({ apiKey: config.groq.apiKey, baseUrl: config.groq.baseUrl })
          : null,
      metrics,
    ),
    storage: o.storage ?? createStorage(config),
    metrics,
  };
  const services = buildServices({
    config,
    logger,
    ports,
    sockets,
    outbox: o.outbox,
    ai: o.ai,
    campaignRunner: o.campaignRunner,
    overrides: o,
  });
  metrics.gauge('outbox_depth', () => services.outbox.depth());

  const app = createApp({ config, logger, services });
  const server = http.createServer(app.callback());
  applyServerLimits(server, config);
  io.attach(server);
  attachRealtimeGateway({
    io,
    auth: services.auth,
    publicUrl: config.publicUrl,
    dashboardOrigins: config.dashboardOrigins,
    events: services.events,
    conversations: services.conversations,
    realtime: ports.realtime,
    logger,
    ...o.gateway,
  });

  const jobs: BackgroundJob[] = [];
  let stopping: Promise<void> | undefined;
  return {
    config,
    logger,
    app,
    server,
    io,
    ports,
    services,
    async start(opts = {}) {
      if (o.evolutionCheck !== false) await checkEvolution(services.evolutionHealth, logger);
      if (ports.storage instanceof SupabaseStorage) await ensureBucket(ports.storage, logger);
      if (o.demo !== false) await seedDemo({ db, identity: ports.identity, env: config.env, print });
      await new Promise<void>((resolve) =>
        server.listen(opts.port ?? config.port, opts.host ?? config.host, resolve),
      );
      jobs.push(...startBackgroundJobs({ config, logger, ports, services }));
      // Messages whose webhooks Evolution dropped while the Motor was down (docs/evolution.md).
      services.reconcile.trigger({ why: 'start' });
      const { port } = server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}`, port };
    },
    stop() {
      stopping ??= (async () => {
        // Graceful shutdown (docs/operations.md): readiness turns 503 and every response closes its
        // connection, so the load balancer and Evolution go elsewhere.
        services.health.beginDrain();
        // Requests in flight finish (a webhook answers only after its commit); past the grace
        // period their connections are cut, unanswered, and their senders retry.
        const cut = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
        await Promise.all([
          // Stops accepting connections (idle keep-alive ones close now, busy ones after their
          // response) and closes every socket's transport: clients see "transport close",
          // reconnect (through the load balancer, to another process) and catch up from the
          // event log. Resolves once the last HTTP connection is gone.
          io.close(),
          // Meanwhile the loops stop claiming work and wait for the sends in flight to be recorded.
          ...jobs.splice(0).map((job) => job.stop()),
        ]);
        clearTimeout(cut);
        for (const close of closers.reverse()) await close();
      })();
      return stopping;
    },
  };
}

/** A private Supabase Storage bucket when Supabase is configured, the local disk otherwise. */
function createStorage(config: Config): StoragePort {
  if (config.supabase)
    return new SupabaseStorage({
      url: config.supabase.url,
      serviceRoleKey: config.supabase.serviceRoleKey,
      bucket: config.supabase.storageBucket ?? 'atende-media',
    });
  return new LocalDiskStorage(path.join(config.dataDir, 'media'));
}

/** The bucket is made (private) at start; Storage being down only warns: uploads fail until it is back. */
async function ensureBucket(storage: SupabaseStorage, logger: Logger) {
  try {
    await storage.ensureBucket();
  } catch (err) {
    if (err instanceof Error && /is public/.test(err.message)) throw err;
    logger.warn({ err }, 'Supabase Storage bucket not checked; media uploads fail until it answers');
  }
}
const withLlmTimed = (llm: Llm | null, metrics: MetricsPort) => (llm ? timedLlm(llm, metrics) : null);

/** Thrown by `start()` when Evolution is misconfigured; main.ts exits with EX_CONFIG (78). */
export class EvolutionConfigError extends Error {
  override name = 'EvolutionConfigError';
}

/** A wrong key, a non-2.3 or a licence-locked 2.4 server stop the start; an absent one only warns. */
async function checkEvolution(health: EvolutionHealthService, logger: Logger) {
  const h = await health.check();
  if (EVOLUTION_CONFIG_FAULTS.includes(h.status))
    throw new EvolutionConfigError(`Atende cannot use the Evolution API: ${h.message}`);
  if (h.status !== 'ok')
    logger.warn({ evolution: h }, 'Evolution API not reachable yet; /readyz and the overview report it');
}

/** Supabase Auth when SUPABASE_URL is set (or a test hands in its client), local users otherwise. */
async function createIdentity(deps: {
  config: Config;
  logger: Logger;
  db: Db;
  overrides: MotorOverrides;
}): Promise<IdentityPort> {
  const { config, logger, db, overrides: o } = deps;
  const supabase =
    o.supabaseAuth !== undefined
      ? o.supabaseAuth
      : config.supabase
        ? new SupabaseAuth(config.supabase)
        : null;
  const sessionSecret =
    o.sessionSecret ??
    (await loadSessionSecret({ configured: config.sessionSecret, dataDir: config.dataDir }));
  if (supabase) return new SupabaseIdentity({ db, logger, supabase, box: new SealedBox(sessionSecret) });
  return new LocalIdentity({ db, sessionSecret, sessionTtlSeconds: SESSION_TTL_SECONDS });
}

/** One line per service; each gets only the ports and services it uses. */
function buildServices(deps: {
  config: Config;
  logger: Logger;
  ports: MotorPorts;
  /** Closes a user's sockets on every process (logout, password change, removal). */
  sockets: Pick<SocketControl, 'disconnectUser' | 'disconnectSession'>;
  outbox?: OutboxOptions;
  ai?: AiResponderOptions;
  campaignRunner?: Partial<CampaignRunnerOptions>;
  overrides?: MotorOverrides;
}): MotorServices {
  const { config, logger, sockets } = deps;
  const { db, realtime, whatsapp, inbound, identity, llm } = deps.ports;
  // Webhook credentials, shared so a new incarnation or a removal drops the cached secret at once.
  const authCache = new InstanceAuthCache({ ttlMs: 10_000 });
  const webhookIntake = new WebhookIntakeService({
    db,
    realtime,
    logger,
    inbound,
    webhookToken: config.webhookToken,
    authCache,
    metrics: deps.ports.metrics,
  });
  const evolutionHealth = new EvolutionHealthService({ whatsapp, logger });
  const reconcile = new ReconcileService({
    db,
    whatsapp,
    intake: webhookIntake,
    logger,
    limits: deps.overrides?.reconcile,
  });
  const groups = new GroupsService({ db, realtime, whatsapp, logger });
  webhookIntake.onIngested(({ who, events }) => {
    if (
      events.some(
        (e) =>
          e.type === 'instance.updated' &&
          (e.data as { instance?: { status?: string } }).instance?.status === 'connected',
      )
    ) {
      reconcile.trigger({ why: 'reconnect', instanceId: who.instanceId });
      void groups.sync(who);
    }
  });
  const instances = new InstancesService({
    db,
    realtime,
    whatsapp,
    logger,
    config,
    orphanCheck: deps.overrides?.orphanCheck,
    onCredentialsChanged: (name) => authCache.forget(name),
    onConnected: (i) => {
      reconcile.trigger({ why: 'reconnect', instanceId: i.instanceId });
      void groups.sync(i);
    },
  });
  // Claims by this process and every other; a lease outlasts one Evolution call.
  const outbox = new OutboxService(
    { db, whatsapp, realtime, logger, metrics: deps.ports.metrics, storage: deps.ports.storage },
    { leaseMs: config.evolution.timeoutMs + 15_000, ...deps.outbox },
  );
  const media = new MediaService(
    { db, whatsapp, storage: deps.ports.storage, logger },
    deps.overrides?.media,
  );
  webhookIntake.onIngested(({ who, events }) => media.afterIngest(who.accountId, events));
  const avatars = new AvatarsService({ db, whatsapp, realtime, logger }, deps.overrides?.avatars);
  webhookIntake.onIngested(({ who, events }) => avatars.afterIngest(who.accountId, events));
  const accountSettings = new AccountSettingsService({ db, whatsapp, logger });
  // Voice notes to text with Groq's Whisper (docs/media.md), when there is an LLM.
  const transcriber = llm
    ? new TranscriptionService({ db, llm, media, realtime, logger }, deps.overrides?.transcription)
    : null;
  webhookIntake.onIngested(({ who, events }) => transcriber?.afterIngest(who.accountId, events));
  const sender = new SendMessageService({
    db,
    realtime,
    outbox,
    storage: deps.ports.storage,
    afterMedia: (accountId, m) => transcriber?.schedule(accountId, m.id),
  });
  const ai = new AiSettingsService({ db, llm, defaultModel: config.aiModel });
  const responder = llm
    ? new AiResponder({ db, llm, realtime, outbox, logger, defaultModel: config.aiModel }, deps.ai)
    : null;
  return {
    health: new HealthService({
      db,
      evolution: evolutionHealth,
      onDatabaseRecovered: () => reconcile.trigger({ why: 'database recovered' }),
    }),
    auth: new AuthService({ db, identity, sockets, signupRateLimit: config.signupRateLimit }),
    users: new UsersService({ db, logger, publicUrl: config.publicUrl, identity, sockets }),
    events: new EventsService({ db }),
    conversations: new ConversationsService({
      db,
      realtime,
      ai,
      evolutionHealth,
      afterRead: (accountId, conversationId) => accountSettings.afterRead(accountId, conversationId),
    }),
    sender,
    conversationStart: new ConversationStartService({ db, realtime, whatsapp, sender }),
    groups,
    outbox,
    instances,
    sandboxPanel: new SandboxService({ instances, sandbox: deps.ports.sandbox }),
    webhookIntake,
    products: new ProductsService({ db }),
    ai,
    responder,
    campaigns: new CampaignsService({ db, realtime, pacing: config.campaigns }),
    contacts: new ContactsService({ db, realtime }),
    campaignRunner: new CampaignRunner(
      { db, realtime, logger, outbox, metrics: deps.ports.metrics },
      { ...config.campaigns, ...deps.campaignRunner },
    ),
    evolutionHealth,
    reconcile,
    media,
    transcriber,
    metricsScrape: new MetricsService({ metrics: deps.ports.metrics, token: config.metricsToken }),
    threadTools: new ThreadToolsService({ db, realtime, outbox }),
    quickReplies: new QuickRepliesService({ db }),
    accountSettings,
    avatars,
  };
}

/** The loops every Motor process runs while it is up (one line each). */
function startBackgroundJobs(deps: {
  config: Config;
  logger: Logger;
  ports: MotorPorts;
  services: MotorServices;
}): BackgroundJob[] {
  const { config, logger, services } = deps;
  const { db } = deps.ports;
  services.outbox.start();
  services.responder?.start();
  services.campaignRunner.start();
  return [
    startEventRetention({ db, logger, keepHours: config.eventRetentionHours }),
    ...(services.responder ? [services.responder] : []), // before the outbox: its answers go there
    services.campaignRunner,
    services.outbox,
    services.media,
    ...(services.transcriber ? [services.transcriber] : []),
    services.avatars,
  ];
}
