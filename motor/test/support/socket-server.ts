import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DurableEventType } from '@atende/shared';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { notFound } from '../../src/errors.js';
import type { Db } from '../../src/ports/db.port.js';
import type { AccountEvent, RealtimePublisher } from '../../src/ports/realtime.port.js';
import { attachRealtimeGateway } from '../../src/realtime/socket.gateway.js';
import type { SocketConversations } from '../../src/realtime/socket.handlers.js';
import { createSocketPublisher, type SocketControl } from '../../src/realtime/socket.publisher.js';
import { createSocketServer } from '../../src/realtime/socket.server.js';
import type { RealtimeServer } from '../../src/realtime/socket.types.js';
import { AuthService } from '../../src/services/auth.service.js';
import { ConversationsService } from '../../src/services/conversations.service.js';
import { EventsService } from '../../src/services/events.service.js';
import { UsersService } from '../../src/services/users.service.js';
import { SESSION_COOKIE } from '../../src/adapters/auth/session-cookie.js';
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
  const io = createSocketServer();
  const realtime = createSocketPublisher({ io, logger });
  // Wired as in main.ts: revoking sessions closes the user's sockets at once.
  const auth = new AuthService({ db, logger, sessionSecret: config.sessionSecret!, sockets: realtime, signupRateLimit: config.signupRateLimit });
  const users = new UsersService({ db, logger, publicUrl: config.publicUrl, sockets: realtime });
  const conversations =
    opts.conversations === 'real' ? new ConversationsService({ db, realtime }) : (opts.conversations ?? fakeConversations());
  // No Evolution here: the realtime tests never reach it (instances are created in SQL).
  const whatsapp = {} as Parameters<typeof createApp>[0]['whatsapp'];
  const app = createApp({ config, logger, db, realtime, auth, users, whatsapp });
  const server = http.createServer(app.callback());
  io.attach(server);
  attachRealtimeGateway({
    io,
    auth,
    publicUrl: config.publicUrl,
    events: new EventsService({ db }),
    conversations,
    realtime,
    logger,
    maxQueuedPackets: opts.maxQueuedPackets,
    typingIntervalMs: opts.typingIntervalMs,
    recheckSessionMs: opts.recheckSessionMs,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const agentOf = (r: { user: { id: string; name: string }; account: { id: string }; session: { token: string } }): TestAgent => ({
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
        data: data ?? { campaign: { id: '00000000-0000-4000-8000-000000000000', status: 'running', total: 1, sent: 0, failed: 0 } },
      });
      realtime.publish([ev]);
      return ev;
    },
    async close() {
      await io.close(); // disconnects every socket and closes the HTTP server
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
