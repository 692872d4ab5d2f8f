import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WhatsAppSandbox } from '../../src/ports/whatsapp.port.js';
import { addMember, api, signup, type SignedUp } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { messageUpsertBody, uniqueMessageId } from '../support/webhook-factory.js';

// Every login spends a deliberately slow scrypt hash; loops of them on a busy 2-core machine
// (the whole suite in parallel) need more than the default 30 s.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

/**
 * The tenancy matrix (issue 3): account B calls every route of the API with account A's ids
 * and must get 404 (or its own, A-free data), never A's data, and A's data stays unchanged.
 * A route added to the app without a row here fails the "covers every route" test: add it to
 * MATRIX (or to NOT_ACCOUNT_SCOPED with the reason).
 */

interface Seeded {
  owner: SignedUp;
  agentId: string;
  agentEmail: string;
  instanceName: string;
  conversationId: string;
  messageId: string;
  phone: string;
  text: string;
  instanceId: string;
  campaignId: string;
  contactId: string;
  productId: string;
  productSku: string;
  quickReplyId: string;
}

type Ids = { a: Seeded; b: Seeded };
type Expect = 404 | 'own' | number[];
interface Row {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** The route as registered (for the coverage check). */
  route: string;
  /** The concrete path B calls, with A's ids. */
  path: (ids: Ids) => string;
  body?: (ids: Ids) => unknown;
  headers?: Record<string, string>;
  /** 404; 'own' = 2xx without any of A's data; or a list of acceptable 4xx statuses. */
  expect: Expect;
  /** Markers B itself sent, which the answer may echo back. */
  echoes?: (ids: Ids) => string[];
}

// prettier-ignore
const MATRIX: Row[] = [
  { method: 'GET', route: '/api/me', path: () => '/api/me', expect: 'own' },
  { method: 'GET', route: '/api/users', path: () => '/api/users', expect: 'own' },
  // An address with a login in A is invited like a fresh one (B learns nothing; its own member, no login).
  { method: 'POST', route: '/api/users', path: () => '/api/users', body: ({ a }) => ({ email: a.agentEmail, name: 'x', role: 'agent', password: 'long enough pw' }), echoes: ({ a }) => [a.agentEmail], expect: 'own' },
  { method: 'PATCH', route: '/api/users/:id', path: ({ a }) => `/api/users/${a.agentId}`, body: () => ({ role: 'admin' }), expect: 404 },
  { method: 'DELETE', route: '/api/users/:id', path: ({ a }) => `/api/users/${a.agentId}`, expect: 404 },
  { method: 'POST', route: '/api/users/:id/link', path: ({ a }) => `/api/users/${a.agentId}/link`, expect: 404 },
  { method: 'GET', route: '/api/events', path: () => '/api/events?after=0', expect: 'own' },
  { method: 'GET', route: '/api/conversations', path: () => '/api/conversations', expect: 'own' },
  { method: 'GET', route: '/api/conversations', path: ({ a }) => `/api/conversations?q=${a.phone}`, expect: 'own' },
  { method: 'GET', route: '/api/conversations/:id', path: ({ a }) => `/api/conversations/${a.conversationId}`, expect: 404 },
  { method: 'GET', route: '/api/conversations/:id/messages', path: ({ a }) => `/api/conversations/${a.conversationId}/messages`, expect: 404 },
  { method: 'POST', route: '/api/conversations/:id/messages', path: ({ a }) => `/api/conversations/${a.conversationId}/messages`, body: () => ({ text: 'from B' }), expect: 404 },
  { method: 'POST', route: '/api/conversations/:id/read', path: ({ a }) => `/api/conversations/${a.conversationId}/read`, expect: 404 },
  { method: 'PATCH', route: '/api/conversations/:id', path: ({ a }) => `/api/conversations/${a.conversationId}`, body: () => ({ status: 'resolved' }), expect: 404 },
  // B's own conversation assigned to A's agent: the assignee must belong to B's account.
  { method: 'PATCH', route: '/api/conversations/:id', path: ({ b }) => `/api/conversations/${b.conversationId}`, body: ({ a }) => ({ assigneeId: a.agentId }), expect: 404 },
  { method: 'GET', route: '/api/overview', path: () => '/api/overview', expect: 'own' },
  { method: 'GET', route: '/api/conversations/unread', path: () => '/api/conversations/unread', expect: 'own' },
  { method: 'GET', route: '/api/instances', path: () => '/api/instances', expect: 'own' },
  { method: 'GET', route: '/api/instance/status', path: ({ a }) => `/api/instance/status?instanceName=${a.instanceName}`, expect: 404 },
  { method: 'DELETE', route: '/api/instance/disconnect', path: ({ a }) => `/api/instance/disconnect?instanceName=${a.instanceName}`, expect: 404 },
  { method: 'DELETE', route: '/api/instance', path: ({ a }) => `/api/instance?instanceName=${a.instanceName}`, expect: 404 },
  // Instance names are global (Evolution knows only names): B cannot take A's.
  { method: 'POST', route: '/api/instance/connect', path: () => '/api/instance/connect', body: ({ a }) => ({ instanceName: a.instanceName }), expect: [404, 409] },
  { method: 'GET', route: '/api/sandbox', path: () => '/api/sandbox', expect: 'own' },
  { method: 'POST', route: '/api/sandbox/scan', path: () => '/api/sandbox/scan', body: ({ a }) => ({ instanceName: a.instanceName }), expect: 404 },
  { method: 'GET', route: '/api/products', path: () => '/api/products', expect: 'own' },
  { method: 'GET', route: '/api/products', path: () => '/api/products?q=secreto', expect: 'own' },
  // A sku is unique per account: B may use A's (a product of B's own).
  { method: 'POST', route: '/api/products', path: () => '/api/products', body: ({ a }) => ({ name: 'B', sku: a.productSku }), expect: 'own' },
  { method: 'POST', route: '/api/products/import', path: () => '/api/products/import', headers: { 'content-type': 'text/csv' }, body: ({ a }) => `sku,price\n${a.productSku},1\n`, expect: 'own' },
  { method: 'GET', route: '/api/products/:id', path: ({ a }) => `/api/products/${a.productId}`, expect: 404 },
  { method: 'PATCH', route: '/api/products/:id', path: ({ a }) => `/api/products/${a.productId}`, body: () => ({ priceCents: 1 }), expect: 404 },
  { method: 'DELETE', route: '/api/products/:id', path: ({ a }) => `/api/products/${a.productId}`, expect: 404 },
  { method: 'GET', route: '/api/settings/ai', path: () => '/api/settings/ai', expect: 'own' },
  { method: 'PUT', route: '/api/settings/ai', path: () => '/api/settings/ai', body: () => ({ replyDelayMs: 1000 }), expect: 'own' },
  { method: 'POST', route: '/api/settings/ai/test', path: () => '/api/settings/ai/test', body: () => ({ text: 'secreto' }), expect: 'own' },
  { method: 'POST', route: '/api/sandbox/messages', path: () => '/api/sandbox/messages', body: ({ a }) => ({ instanceName: a.instanceName, phone: '5511988887777', name: 'B', text: 'hi' }), expect: 404 },
  { method: 'POST', route: '/api/sandbox/media', path: () => '/api/sandbox/media', body: ({ a }) => ({ instanceName: a.instanceName, phone: '5511988887777', name: 'B', kind: 'image' }), expect: 404 },
  { method: 'POST', route: '/api/sandbox/group-messages', path: () => '/api/sandbox/group-messages', body: ({ a }) => ({ instanceName: a.instanceName, subject: 'G', phone: '5511988887777', name: 'B', text: 'hi' }), expect: 404 },
  { method: 'GET', route: '/api/messages/:id/media', path: ({ a }) => `/api/messages/${a.messageId}/media`, expect: 404 },
  { method: 'GET', route: '/api/campaigns', path: () => '/api/campaigns', expect: 'own' },
  { method: 'POST', route: '/api/campaigns', path: () => '/api/campaigns', body: ({ a }) => ({ name: 'x', instanceId: a.instanceId, text: 'hi', audience: { type: 'all' } }), expect: 404 },
  { method: 'POST', route: '/api/campaigns/preview', path: () => '/api/campaigns/preview', body: () => ({ audience: { type: 'all' } }), expect: 'own' },
  { method: 'GET', route: '/api/campaigns/:id', path: ({ a }) => `/api/campaigns/${a.campaignId}`, expect: 404 },
  { method: 'PATCH', route: '/api/campaigns/:id', path: ({ a }) => `/api/campaigns/${a.campaignId}`, body: () => ({ name: 'from B' }), expect: 404 },
  { method: 'DELETE', route: '/api/campaigns/:id', path: ({ a }) => `/api/campaigns/${a.campaignId}`, expect: 404 },
  { method: 'POST', route: '/api/campaigns/:id/:action', path: ({ a }) => `/api/campaigns/${a.campaignId}/cancel`, expect: 404 },
  { method: 'GET', route: '/api/campaigns/:id/recipients', path: ({ a }) => `/api/campaigns/${a.campaignId}/recipients`, expect: 404 },
  { method: 'GET', route: '/api/contacts', path: () => '/api/contacts', expect: 'own' },
  { method: 'GET', route: '/api/contacts/:id', path: ({ a }) => `/api/contacts/${a.contactId}`, expect: 404 },
  { method: 'POST', route: '/api/conversations', path: () => '/api/conversations', body: ({ a }) => ({ instanceId: a.instanceId, phone: a.phone }), expect: 404 },
  { method: 'GET', route: '/api/conversations', path: ({ a }) => `/api/conversations?instanceId=${a.instanceId}`, expect: 'own' },
  { method: 'GET', route: '/api/conversations', path: ({ a }) => `/api/conversations?assignee=${a.agentId}&label=vip`, expect: 'own' },
  { method: 'PATCH', route: '/api/conversations/:id', path: ({ a }) => `/api/conversations/${a.conversationId}`, body: () => ({ labels: ['from B'] }), expect: 404 },
  { method: 'GET', route: '/api/groups', path: () => '/api/groups', expect: 'own' },
  { method: 'GET', route: '/api/conversations/labels', path: () => '/api/conversations/labels', expect: 'own' },
  { method: 'GET', route: '/api/groups', path: ({ a }) => `/api/groups?instanceId=${a.instanceId}`, expect: 'own' },
  { method: 'PATCH', route: '/api/contacts/:id', path: ({ a }) => `/api/contacts/${a.contactId}`, body: () => ({ optedOut: true }), expect: 404 },
  { method: 'POST', route: '/api/conversations/:id/notes', path: ({ a }) => `/api/conversations/${a.conversationId}/notes`, body: () => ({ text: 'nota de B' }), expect: 404 },
  { method: 'POST', route: '/api/messages/:id/reactions', path: ({ a }) => `/api/messages/${a.messageId}/reactions`, body: () => ({ emoji: '👍' }), expect: 404 },
  // B's own conversation quoting A's message: the quoted message must be of the same conversation.
  { method: 'POST', route: '/api/conversations/:id/messages', path: ({ b }) => `/api/conversations/${b.conversationId}/messages`, body: ({ a }) => ({ text: 'citando A', quotedMessageId: a.messageId }), expect: 404 },
  { method: 'GET', route: '/api/quick-replies', path: () => '/api/quick-replies', expect: 'own' },
  // A shortcut is unique per account: B may use A's.
  { method: 'POST', route: '/api/quick-replies', path: () => '/api/quick-replies', body: () => ({ shortcut: 'segredo-a', text: 'de B' }), expect: 'own' },
  { method: 'PATCH', route: '/api/quick-replies/:id', path: ({ a }) => `/api/quick-replies/${a.quickReplyId}`, body: () => ({ text: 'de B' }), expect: 404 },
  { method: 'DELETE', route: '/api/quick-replies/:id', path: ({ a }) => `/api/quick-replies/${a.quickReplyId}`, expect: 404 },
  { method: 'GET', route: '/api/account/settings', path: () => '/api/account/settings', expect: 'own' },
  { method: 'PATCH', route: '/api/account/settings', path: () => '/api/account/settings', body: () => ({ readReceipts: true }), expect: 'own' },
  { method: 'POST', route: '/api/sandbox/reactions', path: () => '/api/sandbox/reactions', body: ({ a }) => ({ instanceName: a.instanceName, phone: a.phone, name: 'B', waMessageId: '3A00', emoji: '👍' }), expect: 404 },
  { method: 'POST', route: '/api/sandbox/presence', path: () => '/api/sandbox/presence', body: ({ a }) => ({ instanceName: a.instanceName, phone: a.phone, presence: 'composing' }), expect: 404 },
  { method: 'GET', route: '/api/campaigns/:id/recipients.csv', path: ({ a }) => `/api/campaigns/${a.campaignId}/recipients.csv`, expect: 404 },
];

/** Routes that take no account-scoped input (documented why). */
const NOT_ACCOUNT_SCOPED: Record<string, string> = {
  'GET /healthz': 'process liveness, no data',
  'GET /readyz': 'database liveness, no data',
  'GET /metrics': 'operations: process-wide counters, no account data; METRICS_TOKEN bearer (metrics tests)',
  'POST /api/auth/signup': 'creates a new account',
  'POST /api/auth/login': 'credentials, no ids',
  'POST /api/auth/logout': "revokes the caller's own session only",
  'POST /api/auth/password': "the caller's own password only",
  'POST /api/auth/token': "a new bearer token of the caller's own session",
  'POST /api/auth/invite/accept': 'a secret token, no account input',
  'POST /api/auth/recover': 'an email only; the same answer whether or not it is known',
  'POST /api/webhook': 'Evolution: authenticated per instance secret (webhook tests)',
  'POST /api/webhook/:event': 'Evolution: authenticated per instance secret (webhook tests)',
};

describe('tenancy matrix', () => {
  let app: TestApp;
  let ids: Ids;
  const sandboxCalls: string[] = [];

  beforeAll(async () => {
    const sandbox: WhatsAppSandbox = {
      async scan(name) {
        sandboxCalls.push(name);
        return { state: 'open', wuid: null };
      },
      async customerMessage(name) {
        sandboxCalls.push(name);
        return { waMessageId: uniqueMessageId() };
      },
      async customerMedia(name) {
        sandboxCalls.push(name);
        return { waMessageId: uniqueMessageId() };
      },
      async customerReaction(name) {
        sandboxCalls.push(name);
        return { waMessageId: uniqueMessageId() };
      },
      async customerPresence(name) {
        sandboxCalls.push(name);
      },
      async groupMessage(name) {
        sandboxCalls.push(name);
        return { waMessageId: uniqueMessageId(), groupJid: '120363000000000001@g.us' };
      },
    };
    app = await startTestApp({ deps: { sandbox } });
    const [a, b] = [await seed('Loja A'), await seed('Loja B')];
    ids = { a, b };
  });
  afterAll(() => app?.close());

  /** An account with an owner, an agent, an instance and one inbound conversation. */
  async function seed(accountName: string): Promise<Seeded> {
    const owner = await signup(app.baseUrl, { accountName });
    const agent = await addMember(app.baseUrl, owner.cookie, { role: 'agent' });
    const instanceName = `ten-${randomUUID().slice(0, 8)}`;
    const secret = randomBytes(24).toString('base64url');
    const instance = await app.db.call<{ id: string }>('instance_create', {
      accountId: owner.account.id,
      name: instanceName,
      webhookSecret: secret,
    });
    const phone = `55119${Math.floor(10_000_000 + Math.random() * 89_999_999)}`;
    const text = `secret text of ${accountName} ${randomUUID()}`;
    const hook = await fetch(`${app.baseUrl}/api/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-motor-token': secret },
      body: JSON.stringify(
        messageUpsertBody({ instance: instanceName, phone, text, pushName: `${accountName} customer` }),
      ),
    });
    expect(hook.status).toBe(200);
    const list = await api(app.baseUrl, owner.cookie).get('/api/conversations');
    expect(list.body).toHaveLength(1);
    const conversationId = list.body[0].id;
    const msgs = await api(app.baseUrl, owner.cookie).get(`/api/conversations/${conversationId}/messages`);
    const campaign = await api(app.baseUrl, owner.cookie).post('/api/campaigns', {
      name: `${accountName} campaign`,
      instanceId: instance.id,
      text: text,
      audience: { type: 'phones', phones: [phone] },
    });
    expect(campaign.status).toBe(201);
    const productSku = `SKU-${randomUUID()}`;
    const product = await api(app.baseUrl, owner.cookie).post('/api/products', {
      name: `Produto secreto ${accountName}`,
      sku: productSku,
      priceCents: 100,
    });
    const quickReply = await api(app.baseUrl, owner.cookie).post('/api/quick-replies', {
      shortcut: `segredo-${accountName.slice(-1).toLowerCase()}`,
      text: `${text} (atalho)`,
    });
    expect(quickReply.status).toBe(201);
    return {
      quickReplyId: quickReply.body.id,
      instanceId: instance.id,
      campaignId: campaign.body.id,
      contactId: list.body[0].contact.id,
      owner,
      agentId: agent.user.id,
      agentEmail: agent.email,
      instanceName,
      conversationId,
      messageId: msgs.body[0].id,
      phone,
      text,
      productId: product.body.id,
      productSku,
    };
  }

  /** Every string that identifies A's data; none may appear in anything B receives. */
  const aMarkers = () => [
    ids.a.owner.account.id,
    ids.a.owner.user.id,
    ids.a.owner.email,
    ids.a.agentId,
    ids.a.agentEmail,
    ids.a.instanceName,
    ids.a.conversationId,
    ids.a.messageId,
    ids.a.phone,
    ids.a.text,
    ids.a.instanceId,
    ids.a.campaignId,
    ids.a.productId,
    ids.a.quickReplyId,
    'Loja A',
  ];

  it('covers every route the app registers', () => {
    const koa = app.motor.app;
    const registered = new Set<string>();
    for (const mw of koa.middleware as Array<{
      router?: { stack: Array<{ path: string; methods: string[] }> };
    }>) {
      for (const layer of mw.router?.stack ?? []) {
        for (const m of layer.methods)
          if (m !== 'HEAD' && m !== 'OPTIONS') registered.add(`${m} ${layer.path}`);
      }
    }
    const covered = new Set([
      ...MATRIX.map((r) => `${r.method} ${r.route}`),
      ...Object.keys(NOT_ACCOUNT_SCOPED),
    ]);
    expect(registered.size).toBeGreaterThan(20);
    const missing = [...registered].filter((r) => !covered.has(r));
    expect(missing, 'routes missing from the tenancy MATRIX').toEqual([]);
  });

  it.each(MATRIX.map((r) => [`${r.method} ${r.route}`, r] as const))(
    "B → %s with A's ids never sees A",
    async (_name, row) => {
      const b = api(app.baseUrl, ids.b.owner.cookie);
      const r = await b.request(row.method, row.path(ids), row.body?.(ids), row.headers);
      const text = JSON.stringify(r.body ?? '');
      for (const marker of aMarkers().filter((m) => !row.echoes?.(ids).includes(m)))
        expect(text, `${row.method} ${row.path(ids)} leaked ${marker}`).not.toContain(marker);
      if (row.expect === 404) {
        expect(r.status, text).toBe(404);
        expect(r.body.error.code).toBe('not_found');
      } else if (row.expect === 'own') {
        expect(r.status, text).toBeGreaterThanOrEqual(200);
        expect(r.status, text).toBeLessThan(300);
      } else {
        expect(row.expect, text).toContain(r.status);
      }
    },
  );

  it("B's own-data routes show B's data (so 'no A' is not just 'nothing')", async () => {
    const b = api(app.baseUrl, ids.b.owner.cookie);
    expect((await b.get('/api/conversations')).body.map((c: { id: string }) => c.id)).toEqual([
      ids.b.conversationId,
    ]);
    expect((await b.get('/api/instances')).body.map((i: { name: string }) => i.name)).toEqual([
      ids.b.instanceName,
    ]);
    // Owner, agent, and the member the POST /api/users row added.
    expect((await b.get('/api/users')).body).toHaveLength(3);
    expect((await b.get('/api/me')).body.account.name).toBe('Loja B');
  });

  it("leaves A's data exactly as it was", async () => {
    const a = api(app.baseUrl, ids.a.owner.cookie);
    const conv = await a.get(`/api/conversations/${ids.a.conversationId}`);
    expect(conv.status).toBe(200);
    expect(conv.body).toMatchObject({ status: 'open', assigneeId: null, unreadCount: 1 });
    const msgs = await a.get(`/api/conversations/${ids.a.conversationId}/messages`);
    expect(msgs.body.map((m: { text: string }) => m.text)).toEqual([ids.a.text]);
    const team = await a.get('/api/users');
    expect(team.body.find((u: { id: string }) => u.id === ids.a.agentId)).toMatchObject({ role: 'agent' });
    expect((await a.get(`/api/instance/status?instanceName=${ids.a.instanceName}`)).status).toBe(200);
    expect((await a.get(`/api/products/${ids.a.productId}`)).body).toMatchObject({
      priceCents: 100,
      name: 'Produto secreto Loja A',
    });
    expect(sandboxCalls).not.toContain(ids.a.instanceName);
    expect((await a.get('/api/quick-replies')).body).toMatchObject([{ id: ids.a.quickReplyId, shortcut: 'segredo-a' }]);
    expect((await a.get('/api/account/settings')).body).toEqual({ readReceipts: false });
    // And the event log of A carries nothing B did.
    const events = await a.get('/api/events?after=0');
    expect(JSON.stringify(events.body)).not.toContain(ids.b.owner.account.id);
  });

  it("an agent of B is just as blind to A as B's owner", async () => {
    const agent = await addMember(app.baseUrl, ids.b.owner.cookie, { role: 'agent' });
    const r = await api(app.baseUrl, agent.cookie).get(`/api/conversations/${ids.a.conversationId}`);
    expect(r.status).toBe(404);
  });
});
