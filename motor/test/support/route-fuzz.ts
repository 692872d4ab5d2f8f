import type Router from '@koa/router';
import { ERROR_CODES } from '@atende/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EvolutionClient } from '../../src/adapters/evolution/evolution.client.js';
import { SimulatorSandboxClient } from '../../src/adapters/evolution/simulator-sandbox.client.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator.server.js';
import { addMember, api, signup, type SignedUp } from './http-client.js';
import { testLogger } from './silent-logger.js';
import { startTestApp, type TestApp } from './test-app.js';

// Issue 18, "crafted inputs": every route the app registers (read from the routers' own stacks,
// so a route added tomorrow is fuzzed tomorrow) gets hostile input — wrong types, huge strings,
// NUL and control characters, broken JSON, deep nesting, bad ids, extreme numbers, odd query
// strings and cursors, wrong content types — in lower, upper and mixed path case, as an owner and
// as an agent. Never a 5xx; every failure is the taxonomy's JSON error; the process keeps
// answering; and a 4xx changes nothing in the database (a digest of every table, taken around
// each request).

const KEY = 'fuzz-evolution-key';
const CODES = new Set<string>(ERROR_CODES);
const SEED = 20261201;

interface Route {
  method: string;
  path: string;
}

/** Every (method, path template) the app's routers serve, HEAD/OPTIONS aside. */
function registeredRoutes(app: TestApp): Route[] {
  const routes = new Map<string, Route>();
  for (const mw of app.motor.app.middleware as Array<{ router?: Router }>) {
    for (const layer of mw.router?.stack ?? []) {
      for (const method of layer.methods) {
        if (method === 'HEAD' || method === 'OPTIONS') continue;
        routes.set(`${method} ${layer.path}`, { method, path: String(layer.path) });
      }
    }
  }
  return [...routes.values()];
}

const pathCase = (path: string, i: number) =>
  i % 3 === 0
    ? path
    : i % 3 === 1
      ? path.toUpperCase()
      : path.replace(/[a-z]/g, (c, j: number) => (j % 2 ? c.toUpperCase() : c));

const HOSTILE_IDS = [
  'not-a-uuid',
  '0',
  '-1',
  '1e309',
  '99999999999999999999999999',
  '00000000-0000-0000-0000-000000000000',
  '%00',
  '%0d%0aSet-Cookie:%20x=1',
  '%ZZ',
  '%E0%A4%A',
  '..%2F..%2Fetc%2Fpasswd',
  "'%20OR%201=1--",
  'x'.repeat(3000),
  '%F0%9F%92%A9',
  '__proto__',
  'constructor',
];

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const QUERIES = [
  '?cursor=garbage',
  `?cursor=${b64('{"t":"0000-01-01T00:00:00Z","id":"x"}')}`,
  `?cursor=${b64('{"t":"+099999-01-01T00:00:00Z","id":"00000000-0000-4000-8000-000000000000"}')}`,
  `?cursor=${b64('[1,2,3]')}`,
  `?cursor=${b64('x'.repeat(4000))}`,
  '?cursor=%00',
  '?limit=-1',
  '?limit=0',
  '?limit=1e309',
  '?limit=abc',
  '?limit=99999999999999999999',
  '?limit=1.5',
  '?before=0000-01-01T00:00:00Z',
  '?before=%2B099999-01-01T00:00:00Z',
  '?before=not-a-date',
  '?after=-5',
  '?after=1e400',
  '?after=99999999999999999999',
  '?status=open&status=resolved',
  '?status=%00',
  `?q=${'x'.repeat(6000)}`,
  '?q=%00%01%02%1b',
  '?q=%ZZ',
  '?%ZZ=1',
  '?instanceName[]=x',
  '?instanceName[a][b]=c',
  '?instanceName=..%2F..%2Fx',
  '?instanceName=%00',
  '?a[b][c][d][e][f][g][h][i][j][k]=1',
  '?assignee=me&assignee=none',
  '?assignee=not-a-uuid',
  '?active=maybe',
  '?download=%00',
  '?label=%00',
  '?instanceId=x',
  `?${'a=1&'.repeat(2000)}`,
  '?__proto__[admin]=1',
];

const deep = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);
const FIELDS = [
  'email',
  'password',
  'name',
  'accountName',
  'role',
  'text',
  'clientId',
  'status',
  'assigneeId',
  'aiEnabled',
  'labels',
  'instanceName',
  'phone',
  'priceCents',
  'currency',
  'sku',
  'active',
  'imageUrl',
  'description',
  'enabled',
  'businessDescription',
  'instructions',
  'model',
  'handoffKeywords',
  'replyDelayMs',
  'audience',
  'ratePerMinute',
  'scheduledAt',
  'instanceId',
  'contactIds',
  'emoji',
  'token',
  'currentPassword',
  'newPassword',
  'quotedMessageId',
  'caption',
  'event',
  'instance',
  'data',
  'kind',
  'optedOut',
  'voiceNote',
  'contactId',
  'phones',
  '__proto__',
];
/** Bodies by hand: each `[description, content-type | null, raw body]`. */
const BODIES: Array<[string, string | null, string]> = [
  ['empty json', 'application/json', ''],
  ['json null', 'application/json', 'null'],
  ['json true', 'application/json', 'true'],
  ['json number', 'application/json', '-1'],
  ['json string', 'application/json', '"x"'],
  ['json array', 'application/json', '[]'],
  ['json array of objects', 'application/json', '[{}]'],
  ['json empty object', 'application/json', '{}'],
  ['truncated json', 'application/json', '{"a":'],
  ['broken json', 'application/json', '{{}'],
  ['NUL', 'application/json', '\u0000'],
  ['BOM + json', 'application/json', '\ufeff{}'],
  ['proto pollution', 'application/json', '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'],
  ['deep arrays', 'application/json', deep(20_000, '[', ']')],
  ['deep objects', 'application/json', `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`],
  [
    'huge string field',
    'application/json',
    JSON.stringify({ text: 'x'.repeat(300_000), name: 'y'.repeat(300_000) }),
  ],
  ['over the body limit', 'application/json', JSON.stringify({ text: 'x'.repeat(6 * 1024 * 1024) })],
  [
    'every field NUL and control chars',
    'application/json',
    JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, '\u0000\u0001\u001b[31m\r\n\u2028']))),
  ],
  ['every field a huge number', 'application/json', `{${FIELDS.map((f) => `"${f}":1e308`).join(',')}}`],
  [
    'every field negative',
    'application/json',
    JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, -1]))),
  ],
  [
    'every field an unsafe integer',
    'application/json',
    `{${FIELDS.map((f) => `"${f}":9007199254740993`).join(',')}}`,
  ],
  [
    'every field an object',
    'application/json',
    JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, { $gt: '' }]))),
  ],
  [
    'every field an array',
    'application/json',
    JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, [[], {}, null]]))),
  ],
  [
    'every field a bad id',
    'application/json',
    JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, "' OR 1=1--"]))),
  ],
  ['json as text/plain', 'text/plain', '{"text":"hi","instanceName":"x"}'],
  ['form urlencoded', 'application/x-www-form-urlencoded', 'email=a&email=b&name[x]=1&text=%00'],
  ['multipart without boundary', 'multipart/form-data', '--x\r\n\r\n'],
  [
    'multipart with a bad body',
    'multipart/form-data; boundary=zz',
    '--zz\r\nContent-Disposition: form-data; name="file"; filename="../../x"\r\n\r\nabc',
  ],
  ['json in utf-16', 'application/json; charset=utf-16', '{"a":1}'],
  ['unknown charset', 'application/json; charset=klingon', '{"a":1}'],
  [
    'xml',
    'application/xml',
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  ],
  ['csv garbage', 'text/csv', '"unterminated,\u0000\n,,,,\n'],
  ['body without a content type', null, '{"text":"x"}'],
  ['bogus content type', 'application/json;;;=', '{}'],
];

/** Values a hostile client might put in any field. */
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '\u202e',
      'null',
      'NaN',
      '-0',
      '0000-01-01T00:00:00Z',
      '+099999-01-01T00:00:00Z',
      'not-a-uuid',
      '00000000-0000-0000-0000-000000000000',
    ),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
    fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -Number.MAX_VALUE, Number.MIN_VALUE, 1e308),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...FIELDS), tie('value'), { maxKeys: 3 }),
  ),
})).value;
const hostileBody = fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { minKeys: 1, maxKeys: 6 });

export interface RouteFuzzOptions {
  /**
   * 1 sends the whole corpus (~5,300 requests, about a minute: `npm run test:integration`); k > 1
   * sends every k-th case of each route, starting at a different case on each route, so every
   * route is still hit as both roles and every kind of case still reaches some routes (`npm test`).
   */
  every: number;
}

/**
 * The route fuzz as a suite; the medium tier runs a share of the corpus, integration all of it.
 *
 * @example
 *   describeRouteFuzz({ every: 4 });
 */
export function describeRouteFuzz({ every }: RouteFuzzOptions) {
  vi.setConfig({ testTimeout: 900_000, hookTimeout: 180_000 });
  const title = every === 1 ? 'the whole corpus' : `every ${every}th case of each route`;

  describe(`fuzz: every route, hostile input, as owner and as agent (${title})`, () => {
    let sim: RunningSimulator;
    let app: TestApp;
    let owner: SignedUp;
    let agentCookie: string;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      sim = await startSimulator({
        port: 0,
        logger: testLogger,
        apiKey: KEY,
        timings: {
          qrIntervalMs: 3_600_000,
          deliveryAckMs: 10,
          readMs: 10,
          retry: { maxAttempts: 2, initialDelayMs: 10 },
        },
      });
      const client = { baseUrl: sim.url, apiKey: KEY, timeoutMs: 5000 };
      app = await startTestApp({
        deps: { whatsapp: new EvolutionClient(client), sandbox: new SimulatorSandboxClient(client) },
      });
      app.deps.config.publicUrl = app.baseUrl; // the webhook URL registered at the simulator
      await app.db.exec(`
      create or replace function app.fuzz_digest() returns jsonb language plpgsql as $$
      declare t record; v jsonb := '{}'; d text;
      begin
        for t in select tablename from pg_tables where schemaname = 'public' and tablename <> 'login_throttle' order by 1 loop
          execute format('select md5(coalesce(string_agg(x::text, ''|'' order by x::text), '''')) from public.%I x', t.tablename) into d;
          v := v || jsonb_build_object(t.tablename, d);
        end loop;
        return v;
      end $$;`);
      owner = await signup(app.baseUrl, { accountName: 'Loja Fuzz' });
      agentCookie = (await addMember(app.baseUrl, owner.cookie, { role: 'agent' })).cookie;
      const decoy = await addMember(app.baseUrl, owner.cookie, { role: 'agent' });
      const o = api(app.baseUrl, owner.cookie);
      const connect = await o.post('/api/instance/connect', { instanceName: 'fuzz-loja' });
      expect(connect.status).toBe(200);
      expect((await o.post('/api/sandbox/scan', { instanceName: 'fuzz-loja' })).status).toBeLessThan(300);
      await waitFor(async () => (await o.get('/api/instances')).body[0]?.status === 'connected');
      expect(
        (
          await o.post('/api/sandbox/messages', {
            instanceName: 'fuzz-loja',
            phone: '5511987654321',
            name: 'Cliente',
            text: 'Oi',
          })
        ).status,
      ).toBeLessThan(300);
      await waitFor(async () => (await o.get('/api/conversations')).body.length === 1);
      const conversation = (await o.get('/api/conversations')).body[0];
      const message = (await o.get(`/api/conversations/${conversation.id}/messages`)).body[0];
      const product = await o.post('/api/products', { name: 'Tênis', sku: 'TEN-1', priceCents: 12990 });
      const campaign = await o.post('/api/campaigns', {
        name: 'Promo',
        instanceId: connect.body.instanceId,
        text: 'Oferta',
        audience: { type: 'phones', phones: ['5511987654321'] },
      });
      expect(campaign.status).toBe(201);
      Object.assign(ids, {
        users: decoy.user.id,
        conversations: conversation.id,
        messages: message.id,
        products: product.body.id,
        campaigns: campaign.body.id,
        contacts: conversation.contact.id,
      });
      // Reads that create their defaults on first use (the AI settings row) do it now, not mid-fuzz.
      for (const r of registeredRoutes(app).filter((x) => x.method === 'GET')) await o.get(fill(r.path, 0));
      await settle();
    });
    afterAll(async () => {
      await app?.close();
      await sim?.close();
    });

    async function waitFor(check: () => Promise<boolean>, ms = 15_000) {
      const until = Date.now() + ms;
      while (!(await check())) {
        if (Date.now() > until) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    const digest = () => app.db.call<Record<string, string>>('fuzz_digest', {});

    /** Waits until background work a 2xx started (webhooks, sends) has landed. */
    async function settle(): Promise<Record<string, string>> {
      let last = await digest();
      for (let i = 0; i < 60; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const now = await digest();
        if (JSON.stringify(now) === JSON.stringify(last)) return now;
        last = now;
      }
      return last;
    }

    /** A concrete path for a template: `:param`s filled with a real id or a hostile one. */
    function fill(template: string, variant: number): string {
      return template.replace(/:([A-Za-z_]+)/g, (_m, name: string) => {
        if (variant === 0) {
          if (name === 'event') return 'messages-upsert';
          if (name === 'action') return 'pause';
          const area = template.split('/')[2] ?? '';
          return ids[area] ?? HOSTILE_IDS[0]!;
        }
        return HOSTILE_IDS[(variant - 1) % HOSTILE_IDS.length]!;
      });
    }

    it('finds the routes (the enumeration sees the known ones)', () => {
      const keys = registeredRoutes(app).map((r) => `${r.method} ${r.path}`);
      expect(keys.length).toBeGreaterThan(40);
      expect(keys).toEqual(
        expect.arrayContaining([
          'GET /api/conversations',
          'POST /api/users',
          'PATCH /api/products/:id',
          'POST /api/webhook',
        ]),
      );
    });

    // Found by this fuzz: a path-less router.use(requireAuth) under a prefix matched only lower case,
    // so `GET /API/PRODUCTS` skipped the session check (the handler then refused: 401 for everyone).
    it('answers every read the same in lower, upper and mixed path case, with and without a session', async () => {
      const differ: string[] = [];
      for (const route of registeredRoutes(app).filter((r) => r.method === 'GET')) {
        const path = fill(route.path, 0);
        for (const cookie of [owner.cookie, agentCookie, undefined]) {
          const statuses = await Promise.all(
            [0, 1, 2].map(async (i) => (await api(app.baseUrl, cookie).get(pathCase(path, i))).status),
          );
          if (new Set(statuses).size > 1)
            differ.push(`${path} (${cookie ? 'signed in' : 'anonymous'}): ${statuses.join(' ')}`);
        }
      }
      expect(differ).toEqual([]);
    });

    it('never answers 5xx, always the JSON error taxonomy, and a 4xx changes nothing', async () => {
      const failures = new Set<string>();
      const statuses = new Map<number, number>();
      let sent = 0;
      // Logout last: it ends the caller's session, which the other routes need.
      const routes = registeredRoutes(app).sort(
        (a, b) => Number(a.path.endsWith('/logout')) - Number(b.path.endsWith('/logout')),
      );
      const callers = [
        ['owner', owner.cookie],
        ['agent', agentCookie],
      ] as const;
      for (const [who, cookie] of callers) {
        for (const [r, route] of routes.entries()) {
          const changes = route.method !== 'GET';
          const cases: Array<{ desc: string; path: string; type: string | null; body?: string }> = [];
          const nParams = (route.path.match(/:/g) ?? []).length;
          const variants = nParams ? HOSTILE_IDS.length + 1 : 1;
          for (let v = 0; v < variants; v++)
            cases.push({ desc: `id#${v}`, path: fill(route.path, v), type: null });
          // Query strings matter where routes read them: reads, and DELETEs of an instance by name.
          if (route.method === 'GET' || route.method === 'DELETE')
            for (const q of QUERIES)
              cases.push({ desc: `query ${q.slice(0, 40)}`, path: fill(route.path, 0) + q, type: null });
          if (changes) {
            for (const [desc, type, body] of BODIES)
              if (who === 'owner' || body.length < 1_000_000)
                cases.push({ desc, path: fill(route.path, 0), type, body });
            const generated = fc.sample(hostileBody, { numRuns: 8, seed: SEED + sent });
            for (const [k, b] of generated.entries())
              cases.push({
                desc: `generated #${k}: ${JSON.stringify(b).slice(0, 80)}`,
                path: fill(route.path, k % 2 ? 0 : 1),
                type: 'application/json',
                body: JSON.stringify(b),
              });
          }
          // The agent gets every other case (the roles share all code below the role check).
          const mine = (who === 'owner' ? cases : cases.filter((_c, k) => k % 2 === 1)).filter(
            (_c, k) => (k + r) % every === 0,
          );
          let before = await digest();
          for (const [i, c] of mine.entries()) {
            const path =
              pathCase(c.path.split('?')[0]!, i) +
              (c.path.includes('?') ? c.path.slice(c.path.indexOf('?')) : '');
            const headers: Record<string, string> = { cookie };
            if (c.type) headers['content-type'] = c.type;
            const label = `${who} ${route.method} ${route.path} [${c.desc}] ${path.slice(0, 120)}`;
            let res: Response;
            try {
              res = await fetch(app.baseUrl + path, { method: route.method, headers, body: c.body });
            } catch (err) {
              failures.add(`${label} → connection failed: ${String(err)}`);
              continue;
            }
            sent++;
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const text = await res.text();
            if (res.status >= 500) failures.add(`${label} → ${res.status} ${text.slice(0, 200)}`);
            if (res.status >= 400) {
              let code: unknown;
              try {
                code = JSON.parse(text).error?.code;
              } catch {
                code = undefined;
              }
              if (!CODES.has(String(code)) || !/json/.test(res.headers.get('content-type') ?? ''))
                failures.add(`${label} → ${res.status} not a taxonomy error: ${text.slice(0, 200)}`);
            }
            if (!changes) continue;
            if (res.status >= 400 && res.status < 500) {
              const after = await digest();
              const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
              if (changed.length) failures.add(`${label} → ${res.status} but changed ${changed.join(', ')}`);
              before = after;
            } else {
              before = await settle();
            }
          }
          if (changes === false) {
            const after = await digest();
            const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
            if (changed.length) failures.add(`${who} GET ${route.path} changed ${changed.join(', ')}`);
          }
          const alive = await fetch(`${app.baseUrl}/healthz`).catch(() => null);
          if (alive?.status !== 200)
            failures.add(`${who} after ${route.method} ${route.path}: /healthz ${alive?.status}`);
        }
      }
      const histogram = [...statuses]
        .sort(([a], [b]) => a - b)
        .map(([k, n]) => `${k}×${n}`)
        .join(' ');
      console.log(`fuzz: ${sent} requests over ${routes.length} routes × 2 roles: ${histogram}`);
      expect([...failures]).toEqual([]);
    });
  });
}
