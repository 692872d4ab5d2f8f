import type { Campaign, DurableEventType } from '@atende/shared';
import { createMotor } from '../../src/composition-root.js';
import { loadConfig } from '../../src/config.js';
import { notFound } from '../../src/errors.js';
import type { Db } from '../../src/ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../../src/ports/realtime.port.js';
import type { SocketConversations } from '../../src/realtime/socket.handlers.js';
import type { SocketControl } from '../../src/realtime/socket.publisher.js';
import type { RealtimeServer } from '../../src/realtime/socket.types.js';
import type { AuthService } from '../../src/services/auth.service.js';
import type { UsersService } from '../../src/services/users.service.js';
import { SESSION_COOKIE } from '../../src/adapters/auth/session-cookie.js';
import { fakeWhatsApp } from './fake-whatsapp.js';
import { testLogger } from './silent-logger.js';

export interface TestAgent {
  accountId: string;
  userId: string;
  name: string;
  /** `Cookie` header value carrying the session. */
  cookie: string;
  token: string;
}

export interface RealtimeTestServer {
  url: string;
  io: RealtimeServer;
  realtime: RealtimePublisher & SocketControl;
  auth: AuthService;
  users: UsersService;
  /** Signs up a new account and returns its owner's session. */
  signup(opts?: { name?: string }): Promise<TestAgent>;
  /** Adds an agent with a session to an existing account. */
  addAgent(owner: TestAgent, name?: string): Promise<TestAgent>;
  /** The `?token=` secret the server's webhook intake accepts. */
  webhookToken: string;
  /** Creates a WhatsApp instance of the account (straight in SQL) for webhooks to name. */
  createInstance(accountId: string, name?: string): Promise<string>;
  /** POSTs an Evolution webhook body to /api/webhook?token=…; resolves with the HTTP status. */
  webhook(body: unknown): Promise<number>;
  /** One durable change through the SQL event log, published after it returns (= committed). */
  append(accountId: string, type?: DurableEventType, data?: unknown): Promise<AccountEvent>;
  close(): Promise<void>;
}

let seq = 0;

/**
 * The Motor's HTTP app and Socket.IO gateway on a real server on port 0, with the real auth
 * service over `db`. `conversations` defaults to a fake that knows the ids in `knownConversations`.
 *
 * @example
 *   const srv = await startRealtimeTestServer({ db });
 *   const agent = await srv.signup();
 *   const client = await TestRealtimeClient.connect({ url: srv.url, cookie: agent.cookie });
 */
export async function startRealtimeTestServer(opts: {
  db: Db;
  /** 'real' = the ConversationsService over `db`; default a fake over `knownConversations`. */
  conversations?: SocketConversations | 'real';
  maxQueuedPackets?: number;
  typingIntervalMs?: number;
  recheckSessionMs?: number;
}): Promise<RealtimeTestServer> {
  const { db } = opts;
  const logger = testLogger;
  const webhookToken = 'test-webhook-token-0123456789';
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    PUBLIC_URL: 'http://atende.test',
    SESSION_SECRET: 's'.repeat(40),
    WEBHOOK_TOKEN: webhookToken,
    SIGNUP_RATE_LIMIT: '100000', // tests sign up many accounts from 127.0.0.1
  });
  // The real Motor from the composition root; only WhatsApp is faked (the realtime tests never
  // reach it: instances are created in SQL) and, by default, the socket's conversation commands.
  const motor = await createMotor(config, {
    logger,
    db,
    whatsapp: fakeWhatsApp(),
    demo: false,
    print: () => {},
    gateway: {
      ...(opts.conversations === 'real' ? {} : { conversations: opts.conversations ?? fakeConversations() }),
      maxQueuedPackets: opts.maxQueuedPackets,
      typingIntervalMs: opts.typingIntervalMs,
      recheckSessionMs: opts.recheckSessionMs,
    },
  });
  const { io, services } = motor;
  const { auth, users } = services;
  const realtime = motor.ports.realtime as RealtimePublisher & SocketControl;
  const { url } = await motor.start({ port: 0, host: '127.0.0.1' });

  const agentOf = (r: {
    user: { id: string; name: string };
    account: { id: string };
    session: { token: string };
  }): TestAgent => ({
    accountId: r.account.id,
    userId: r.user.id,
    name: r.user.name,
    token: r.session.token,
    cookie: `${SESSION_COOKIE}=${r.session.token}`,
  });

  return {
    url,
    io,
    realtime,
    auth,
    users,
    async signup(o = {}) {
      const n = ++seq;
      const r = await auth.signup({
        email: `agent-${n}-${process.pid}-${Date.now()}@example.com`,
        password: 'correct horse battery',
        name: o.name ?? `Owner ${n}`,
        accountName: `Loja ${n}`,
      });
      return agentOf(r);
    },
    async addAgent(owner, name = `Agent ${++seq}`) {
      const email = `agent-${++seq}-${process.pid}-${Date.now()}@example.com`;
      const ownerCtx = await auth.authenticate({ cookieHeader: owner.cookie });
      await users.invite(ownerCtx, { email, name, role: 'agent', password: 'correct horse battery' });
      return agentOf(await auth.login({ email, password: 'correct horse battery' }, { ip: '127.0.0.1' }));
    },
    webhookToken,
    async createInstance(accountId, name = `inst-${++seq}-${Date.now().toString(36)}`) {
      await db.call('instance_create', { accountId, name, webhookSecret: `secret-${name}` });
      return name;
    },
    async webhook(body) {
      const res = await fetch(`${url}/api/webhook?token=${webhookToken}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
      return res.status;
    },
    async append(accountId, type = 'campaign.updated', data) {
      const ev = await db.call<AccountEvent>('append_event', {
        accountId,
        type,
        data: data ?? { campaign: fakeCampaign() },
      });
      realtime.publish([ev]);
      return ev;
    },
    async close() {
      motor.server.closeAllConnections();
      await motor.stop(); // disconnects every socket and closes the HTTP server (not the db)
    },
  };
}

/** Conversations the fake knows (per account); anything else is `not_found`, as in SQL. */
export const knownConversations = new Map<string, string>(); // conversationId → accountId
export const markedRead: { accountId: string; conversationId: string }[] = [];

function fakeConversations(): SocketConversations {
  const check = (accountId: string, id: string) => {
    if (knownConversations.get(id) !== accountId) throw notFound('conversation');
  };
  return {
    async markRead(auth, id) {
      check(auth.accountId, id);
      markedRead.push({ accountId: auth.accountId, conversationId: id });
    },
    async get(auth, id) {
      check(auth.accountId, id);
      return { id };
    },
  };
}

/**
 * A `campaign.updated` payload the contract accepts (shared campaignSchema), for tests that only
 * need some durable event to flow through the log.
 *
 * @example
 *   await srv.append(accountId, 'campaign.updated', { campaign: fakeCampaign({ sent: 3 }) });
 */
export function fakeCampaign(patch: Partial<Campaign> = {}): Campaign {
  const at = new Date().toISOString();
  return {
    id: '00000000-0000-4000-8000-000000000000',
    name: 'Teste',
    instanceId: '00000000-0000-4000-8000-000000000001',
    text: 'Olá',
    audience: { type: 'all' },
    ratePerMinute: 10,
    scheduledAt: null,
    status: 'running',
    pausedReason: null,
    total: 1,
    sent: 0,
    delivered: 0,
    read: 0,
    failed: 0,
    skipped: 0,
    startedAt: at,
    finishedAt: null,
    createdAt: at,
    updatedAt: at,
    ...patch,
  };
}
