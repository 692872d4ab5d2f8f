import fc from 'fast-check';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator.server.js';
import { testLogger } from '../support/silent-logger.js';
import { startWebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver.js';

// The shapes Evolution 2.3.6 sends and answers (docs/evolution.md), as the Motor's tests pin them.
const errorEnvelope = z.strictObject({
  status: z.number(),
  error: z.string(),
  response: z.object({
    message: z.union([
      z.string(),
      z.array(z.union([z.string(), z.array(z.string()), z.record(z.string(), z.unknown())])),
    ]),
  }),
});
const envelope = z.strictObject({
  event: z.string().regex(/^[a-z]+(\.[a-z]+)+$|^group-participants\.update$/),
  instance: z.string(),
  data: z.unknown(),
  destination: z.string().url(),
  date_time: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
  sender: z.string().endsWith('@s.whatsapp.net').optional(),
  server_url: z.string().url(),
  apikey: z.string().nullable(), // the instance token when exposed (the default, as in Evolution's .env.example)
});
const qrAnswer = z.object({
  pairingCode: z.string().nullable(),
  code: z.string().startsWith('2@'),
  base64: z.string().startsWith('data:image/png;base64,'),
  count: z.number().int(),
});
const createAnswer = z.object({
  instance: z.object({
    instanceName: z.string(),
    instanceId: z.uuid(),
    integration: z.literal('WHATSAPP-BAILEYS'),
    webhookWaBusiness: z.null(),
    accessTokenWaBusiness: z.literal(''),
    status: z.enum(['connecting', 'close']),
  }),
  hash: z.string(),
  webhook: z.object({
    webhookUrl: z.string(),
    webhookHeaders: z.record(z.string(), z.string()),
    webhookByEvents: z.boolean(),
    webhookBase64: z.boolean(),
  }),
  websocket: z.object({}),
  rabbitmq: z.object({}),
  nats: z.object({}),
  sqs: z.object({}),
  settings: z.object({
    rejectCall: z.boolean(),
    msgCall: z.string(),
    groupsIgnore: z.boolean(),
    alwaysOnline: z.boolean(),
    readMessages: z.boolean(),
    readStatus: z.boolean(),
    syncFullHistory: z.boolean(),
    wavoipToken: z.string(),
  }),
  qrcode: qrAnswer.optional(),
});
const fetchRow = z.object({
  id: z.uuid(),
  name: z.string(),
  connectionStatus: z.enum(['open', 'close', 'connecting']),
  ownerJid: z.string().nullable(),
  profileName: z.string().nullable(),
  profilePicUrl: z.string().nullable(),
  integration: z.string(),
  number: z.string().nullable(),
  businessId: z.null(),
  token: z.string(),
  clientName: z.string(),
  disconnectionReasonCode: z.number().nullable(),
  disconnectionObject: z.unknown(),
  disconnectionAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  Setting: z.object({}).passthrough(),
  _count: z.object({ Message: z.number(), Contact: z.number(), Chat: z.number() }),
});
const webhookRow = z.object({
  id: z.string(),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  enabled: z.boolean(),
  events: z.array(z.string()),
  webhookByEvents: z.boolean(),
  webhookBase64: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  instanceId: z.uuid(),
});
const sendMessage = z.strictObject({
  key: z.strictObject({
    remoteJid: z.string().endsWith('@s.whatsapp.net'),
    fromMe: z.literal(true),
    id: z.string().regex(/^3EB0[0-9A-F]{18}$/),
  }),
  pushName: z.literal('Você'),
  status: z.literal('PENDING'),
  message: z.object({ conversation: z.string() }),
  contextInfo: z
    .object({
      mentionedJid: z.array(z.string()),
      groupMentions: z.array(z.unknown()),
      ephemeralSettingTimestamp: z.object({ low: z.number(), high: z.number(), unsigned: z.boolean() }),
      disappearingMode: z.object({ initiator: z.number() }),
    })
    .passthrough(),
  messageType: z.literal('conversation'),
  messageTimestamp: z.number().int(),
  instanceId: z.uuid(),
  source: z.literal('web'),
});
const messagesUpsert = z.strictObject({
  key: z.strictObject({
    remoteJid: z.string().endsWith('@s.whatsapp.net'),
    remoteJidAlt: z.string().endsWith('@lid'),
    fromMe: z.literal(false),
    id: z.string().min(16),
    addressingMode: z.literal('pn'),
  }),
  pushName: z.string(),
  status: z.literal('DELIVERY_ACK'),
  message: z.strictObject({ conversation: z.string() }),
  messageType: z.literal('conversation'),
  messageTimestamp: z.number().int(),
  instanceId: z.uuid(),
  source: z.string(),
});
const messagesUpdate = z.strictObject({
  keyId: z.string(),
  remoteJid: z.string(),
  fromMe: z.literal(true),
  status: z.enum(['DELIVERY_ACK', 'READ']),
  instanceId: z.uuid(),
  messageId: z.string().regex(/^c[a-z0-9]{24}$/),
});
const contactUpsert = z.strictObject({
  remoteJid: z.string(),
  pushName: z.string(),
  profilePicUrl: z.null(),
  instanceId: z.uuid(),
});
const connectionUpdate = z.object({
  instance: z.string(),
  state: z.enum(['open', 'connecting', 'close', 'refused']),
  statusReason: z.number(),
});
const qrWebhook = z.strictObject({
  qrcode: z.strictObject({
    instance: z.string(),
    pairingCode: z.string().nullable(),
    code: z.string().startsWith('2@'),
    base64: z.string().startsWith('data:image/png;base64,'),
  }),
});

const KEY = 'sim-global-key';
const EVENTS = [
  'QRCODE_UPDATED',
  'CONNECTION_UPDATE',
  'MESSAGES_UPSERT',
  'MESSAGES_UPDATE',
  'SEND_MESSAGE',
  'CONTACTS_UPSERT',
  'CONTACTS_UPDATE',
  'LOGOUT_INSTANCE',
  'REMOVE_INSTANCE',
  'STATUS_INSTANCE',
  'INSTANCE_DELETE',
];

describe('Evolution simulator', () => {
  let sim: RunningSimulator;
  let rx: Awaited<ReturnType<typeof startWebhookReceiver>>;

  const call = async (method: string, path: string, body?: unknown, apikey = KEY) => {
    const res = await fetch(sim.url + path, {
      method,
      headers: { apikey, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const create = (name: string, extra: Record<string, unknown> = {}) =>
    call('POST', '/instance/create', {
      instanceName: name,
      integration: 'WHATSAPP-BAILEYS',
      qrcode: true,
      webhook: {
        enabled: true,
        url: rx.url,
        byEvents: false,
        base64: false,
        headers: { 'x-motor-token': `tok-${name}` },
        events: EVENTS,
      },
      ...extra,
    });
  const hooksOf = (name: string, event?: string) =>
    rx.received.filter((h) => h.body.instance === name && (!event || h.body.event === event));
  const waitHook = (name: string, event: string, pred: (h: ReceivedWebhook) => boolean = () => true) =>
    rx.waitFor((h) => h.body.instance === name && h.body.event === event && pred(h));

  beforeAll(async () => {
    rx = await startWebhookReceiver();
    sim = await startSimulator({
      port: 0,
      logger: testLogger,
      apiKey: KEY,
      timings: {
        qrIntervalMs: 80,
        qrLimit: 3,
        deliveryAckMs: 20,
        readMs: 20,
        webhookTimeoutMs: 10_000,
        retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 50 },
      },
    });
  });
  afterAll(async () => {
    await sim.close();
    await rx.close();
  });

  it('answers GET / as Evolution 2.3.6 and says it is simulated', async () => {
    const r = await fetch(sim.url + '/');
    const body = await r.json();
    expect(body).toMatchObject({
      status: 200,
      message: 'Welcome to the Evolution API, it is working!',
      version: '2.3.6',
      clientName: 'simulator',
      simulated: true,
    });
  });

  it("answers errors in Evolution's envelope", async () => {
    const unauthorized = await call(
      'POST',
      '/instance/create',
      { instanceName: 'x', integration: 'WHATSAPP-BAILEYS' },
      'nope',
    );
    expect(unauthorized).toEqual({
      status: 401,
      body: { status: 401, error: 'Unauthorized', response: { message: 'Unauthorized' } },
    });
    const integration = await call('POST', '/instance/create', { instanceName: 'x' });
    expect(integration).toEqual({
      status: 400,
      body: { status: 400, error: 'Bad Request', response: { message: ['Invalid integration'] } },
    });
    const unknown = await call('GET', '/instance/connectionState/ghost');
    expect(unknown.status).toBe(404);
    expect(unknown.body.response.message).toEqual(['The "ghost" instance does not exist']);
    const route = await call('GET', '/nope');
    expect(route.body).toEqual({
      status: 404,
      error: 'Not Found',
      response: { message: ['Cannot GET /nope'] },
    });
    const badJson = await call('POST', '/instance/create', '{nope');
    expect(badJson.status).toBe(400);
    for (const r of [unauthorized, integration, unknown, route, badJson]) errorEnvelope.parse(r.body);
  });

  it('creates an instance: 201 with the QR, then qrcode.updated + connection.update connecting webhooks with headers verbatim', async () => {
    const r = await create('s-create');
    expect(r.status).toBe(201);
    const answer = createAnswer.parse(r.body);
    expect(answer.qrcode?.count).toBe(1);
    expect(answer.webhook.webhookHeaders).toEqual({ 'x-motor-token': 'tok-s-create' });
    const qr = await waitHook('s-create', 'qrcode.updated');
    const conn = await waitHook('s-create', 'connection.update');
    for (const h of [qr, conn]) {
      envelope.parse(h.body);
      expect(h.headers['x-motor-token']).toBe('tok-s-create');
      expect(h.headers['content-type']).toBe('application/json');
      expect(h.body.sender).toBeUndefined(); // absent until the first open
      expect(h.body.destination).toBe(rx.url);
      expect(h.body.server_url).toBe(sim.url);
    }
    expect(qrWebhook.parse(qr.body.data).qrcode.base64).toBe(answer.qrcode?.base64);
    expect(connectionUpdate.parse(conn.body.data)).toEqual({
      instance: 's-create',
      state: 'connecting',
      statusReason: 200,
    });
    const lag = Date.now() - 3 * 3600_000 - Date.parse(qr.body.date_time as string);
    expect(Math.abs(lag)).toBeLessThan(60_000); // 3 h behind UTC, with a Z

    const dup = await create('s-create');
    expect(dup.status).toBe(403);
    expect(dup.body.response.message).toEqual(['This name "s-create" is already in use.']);
  });

  it('rotates the QR and refuses after the QR limit (statusReason 428)', async () => {
    await create('s-limit');
    const refused = await waitHook(
      's-limit',
      'connection.update',
      (h) => (h.body.data as { state: string }).state === 'refused',
    );
    expect(refused.body.data).toEqual({ instance: 's-limit', state: 'refused', statusReason: 428 });
    await sim.webhooksIdle(); // deliveries are concurrent: wait for the stragglers
    const codes = hooksOf('s-limit', 'qrcode.updated')
      .map((h) => (h.body.data as { qrcode?: { code: string } }).qrcode?.code)
      .filter(Boolean);
    expect(new Set(codes).size).toBe(3);
    expect(hooksOf('s-limit', 'qrcode.updated').map((h) => h.body.data)).toContainEqual({
      message: 'QR code limit reached, please login again',
      statusCode: 500,
    });
    expect((await call('GET', '/instance/connectionState/s-limit')).body).toEqual({
      instance: { instanceName: 's-limit', state: 'refused' },
    });
    const again = await call('GET', '/instance/connect/s-limit');
    expect(qrAnswer.parse(again.body).count).toBe(1);
  });

  it('pairs on a scan, then a customer message arrives as messages.upsert + contacts.upsert (new contact)', async () => {
    await create('s-msg');
    const scan = await call('POST', '/_sim/instances/s-msg/scan', {
      phone: '5511912345678',
      profileName: 'Loja X',
    });
    expect(scan.body).toMatchObject({ state: 'open', wuid: '5511912345678@s.whatsapp.net' });
    const open = await waitHook(
      's-msg',
      'connection.update',
      (h) => (h.body.data as { state: string }).state === 'open',
    );
    expect(open.body.data).toEqual({
      instance: 's-msg',
      wuid: '5511912345678@s.whatsapp.net',
      profileName: 'Loja X',
      profilePictureUrl: null,
      state: 'open',
      statusReason: 200,
    });
    expect(open.body.sender).toBe('5511912345678@s.whatsapp.net');

    const sent = await call('POST', '/_sim/instances/s-msg/messages', {
      from: '5511999990001',
      name: 'Maria',
      text: 'Oi!',
    });
    expect(sent.status).toBe(201);
    const up = await waitHook('s-msg', 'messages.upsert');
    envelope.parse(up.body);
    const data = messagesUpsert.parse(up.body.data);
    expect(data.key.remoteJid).toBe('5511999990001@s.whatsapp.net');
    expect(data.message.conversation).toBe('Oi!');
    expect(contactUpsert.parse((await waitHook('s-msg', 'contacts.upsert')).body.data)).toMatchObject({
      pushName: 'Maria',
    });
    await call('POST', '/_sim/instances/s-msg/messages', {
      from: '5511999990001',
      name: 'Maria',
      text: 'De novo',
    });
    await waitHook('s-msg', 'contacts.update');
    expect(hooksOf('s-msg', 'contacts.upsert')).toHaveLength(1);

    const twice = await call('POST', '/_sim/instances/s-msg/scan', {});
    expect(twice.status).toBe(409);
    const bad = await call('POST', '/_sim/instances/s-msg/messages', { from: '+55 11', name: '', text: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.response.message).toHaveLength(3);
  });

  it('answers sendText 201 with the send.message object, then send.message, DELIVERY_ACK and READ webhooks', async () => {
    await create('s-send');
    const closed = await call('POST', '/message/sendText/s-send', { number: '5511999990001', text: 'oi' });
    expect(closed.body).toEqual({
      status: 500,
      error: 'Internal Server Error',
      response: { message: 'Connection Closed' },
    });
    await call('POST', '/_sim/instances/s-send/scan', {});
    expect(
      (await call('POST', '/message/sendText/s-send', { number: '5511999990001', text: ' ' })).status,
    ).toBe(400);

    const r = await call('POST', '/message/sendText/s-send', {
      number: '5511999990001',
      text: 'Seu pedido saiu.',
    });
    expect(r.status).toBe(201);
    const msg = sendMessage.parse(r.body);
    const echo = await waitHook('s-send', 'send.message');
    expect(echo.body.data).toEqual(r.body);
    const read = await waitHook(
      's-send',
      'messages.update',
      (h) => (h.body.data as { status: string }).status === 'READ',
    );
    const delivered = hooksOf('s-send', 'messages.update').find(
      (h) => (h.body.data as { status: string }).status === 'DELIVERY_ACK',
    )!;
    for (const h of [delivered, read]) expect(messagesUpdate.parse(h.body.data).keyId).toBe(msg.key.id);

    const found = await call('POST', '/chat/findMessages/s-send', {
      where: { key: { remoteJid: '5511999990001@s.whatsapp.net' } },
    });
    expect(found.body.messages).toMatchObject({ total: 1, pages: 1, currentPage: 1 });
    expect(found.body.messages.records[0].MessageUpdate.map((u: { status: string }) => u.status)).toEqual([
      'PENDING',
      'DELIVERY_ACK',
      'READ',
    ]);
    expect((await call('GET', '/group/fetchAllGroups/s-send')).status).toBe(400);
  });

  it('webhook/set needs the {webhook:{…}} wrapper; find returns the row', async () => {
    await create('s-hook');
    const flat = await call('POST', '/webhook/set/s-hook', {
      enabled: true,
      url: rx.url,
      webhook_by_events: false,
    });
    expect(flat.body).toEqual({
      status: 400,
      error: 'Bad Request',
      response: { message: [['instance requires property "webhook"']] },
    });
    const badEvent = await call('POST', '/webhook/set/s-hook', {
      webhook: { enabled: true, url: rx.url, events: ['NOPE'] },
    });
    expect(badEvent.body.response.message[0][0]).toMatch(
      /^webhook\.events\[0\] is not one of enum values: APPLICATION_STARTUP,/,
    );
    const all = await call('POST', '/webhook/set/s-hook', {
      webhook: {
        enabled: true,
        url: rx.url,
        headers: { jwt_key: 'jwt-secret', 'x-motor-token': 'v2' },
        events: [],
      },
    });
    expect(all.status).toBe(201);
    expect(webhookRow.parse(all.body).events).toHaveLength(31);
    expect(webhookRow.parse((await call('GET', '/webhook/find/s-hook')).body).headers).toEqual({
      jwt_key: 'jwt-secret',
      'x-motor-token': 'v2',
    });
    expect(
      fetchRow.parse((await call('GET', '/instance/fetchInstances?instanceName=s-hook')).body[0]).name,
    ).toBe('s-hook');
    expect((await call('GET', '/instance/fetchInstances?instanceName=ghost')).body.response.message).toBe(
      'Instance "ghost" not found',
    );
  });

  it('turns jwt_key into Authorization: Bearer <HS256 JWT {iat, exp: iat+600, app, action}>', async () => {
    await create('s-jwt', {
      webhook: {
        enabled: true,
        url: rx.url,
        headers: { jwt_key: 'k-jwt', 'x-motor-token': 't' },
        events: ['CONNECTION_UPDATE'],
      },
    });
    const h = await waitHook('s-jwt', 'connection.update');
    expect(h.headers['jwt_key']).toBeUndefined();
    const token = String(h.headers.authorization).replace(/^Bearer /, '');
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode('k-jwt'));
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ app: 'evolution', action: 'webhook' });
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(hooksOf('s-jwt', 'qrcode.updated')).toHaveLength(0); // not subscribed
  });

  it('logout of an open number sends status.instance, logout.instance (null) and connection.update close 401; a second logout is 400', async () => {
    await create('s-out');
    await call('POST', '/_sim/instances/s-out/scan', {});
    expect((await call('DELETE', '/instance/logout/s-out')).body).toEqual({
      status: 'SUCCESS',
      error: false,
      response: { message: 'Instance logged out' },
    });
    const close = await waitHook(
      's-out',
      'connection.update',
      (x) => (x.body.data as { state: string }).state === 'close',
    );
    expect(close.body.data).toEqual({ instance: 's-out', state: 'close', statusReason: 401 });
    expect((await waitHook('s-out', 'logout.instance')).body.data).toBeNull();
    expect((await waitHook('s-out', 'status.instance')).body.data).toMatchObject({
      instance: 's-out',
      status: 'closed',
      disconnectionReasonCode: 401,
    });
    const again = await call('DELETE', '/instance/logout/s-out');
    expect(again.status).toBe(400);
    expect(again.body.response.message).toEqual(['The "s-out" instance is not connected']);
  });

  it('disconnect (closed) and delete send their chains; reset forgets every instance', async () => {
    await create('s-del');
    await call('POST', '/_sim/instances/s-del/scan', {});
    await call('POST', '/_sim/instances/s-del/disconnect', { reason: 'closed' });
    expect(
      (
        await waitHook(
          's-del',
          'connection.update',
          (x) => (x.body.data as { state: string }).state === 'close',
        )
      ).body.data,
    ).toMatchObject({ statusReason: 403 });
    expect((await call('DELETE', '/instance/delete/s-del')).body.response.message).toBe('Instance deleted');
    expect((await waitHook('s-del', 'instance.delete')).body.data).toMatchObject({ instanceName: 's-del' });
    expect((await waitHook('s-del', 'remove.instance')).body.data).toBeNull();

    await create('s-reset');
    expect((await call('POST', '/_sim/reset')).body).toMatchObject({ reset: true });
    expect((await call('GET', '/instance/fetchInstances?instanceName=s-reset')).status).toBe(404);
    expect((await call('POST', '/_sim/reset', undefined, 'wrong')).status).toBe(401);
  });

  it('retries a 5xx with backoff, drops a 4xx at once, and reports it under /_sim/instances/:name', async () => {
    let failures = 2;
    rx.setRespond((h) =>
      h.body.instance === 's-retry' && h.body.event === 'connection.update' && failures-- > 0
        ? 503
        : h.body.instance === 's-drop'
          ? 401
          : 200,
    );
    await create('s-retry', { qrcode: false });
    await call('GET', '/instance/connect/s-retry');
    await sim.webhooksIdle();
    const state = await call('GET', '/_sim/instances/s-retry');
    expect(state.body.simulated).toBe(true);
    expect(
      state.body.webhooks.log.find((e: { event: string }) => e.event === 'connection.update'),
    ).toMatchObject({ outcome: 'delivered', attempts: 3, status: 200 });

    await create('s-drop');
    await sim.webhooksIdle();
    const dropped = await call('GET', '/_sim/instances/s-drop');
    expect(dropped.body.webhooks.failed).toBeGreaterThanOrEqual(2); // its QR keeps rotating meanwhile
    const done = dropped.body.webhooks.log.filter((e: { outcome: string }) => e.outcome !== 'pending');
    expect(done.length).toBeGreaterThanOrEqual(2);
    for (const e of done) expect(e).toMatchObject({ attempts: 1, status: 401, outcome: 'dropped' });
    rx.setRespond(() => 200);
  });

  it('answers a pairing code when created with a number', async () => {
    const r = await create('s-pair', { number: '5511999990000' });
    expect(qrAnswer.parse(r.body.qrcode).pairingCode).toMatch(/^[0-9A-F]{8}$/);
    const hook = await waitHook('s-pair', 'qrcode.updated');
    expect(qrWebhook.parse(hook.body.data).qrcode.pairingCode).toBe(r.body.qrcode.pairingCode);
  });

  it('never answers 5xx to arbitrary JSON on its write routes (property)', async () => {
    await create('s-fuzz');
    await call('POST', '/_sim/instances/s-fuzz/scan', {});
    const routes = [
      '/instance/create',
      '/webhook/set/s-fuzz',
      '/message/sendMedia/s-fuzz',
      '/chat/findMessages/s-fuzz',
      '/_sim/instances/s-fuzz/messages',
      '/_sim/instances/s-fuzz/disconnect',
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.jsonValue(), async (path, body) => {
        const r = await call('POST', path, JSON.stringify(body));
        expect(r.status, `${path} ${JSON.stringify(body)}`).toBeLessThan(500);
        if (r.status >= 400) errorEnvelope.parse(r.body);
      }),
      { numRuns: 150 },
    );
  });
});
