import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvolutionClient } from '../../src/adapters/evolution/evolution.client.js';
import { flattenMessage } from '../../src/adapters/evolution/evolution.http.js';
import { AppError } from '../../src/errors.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator.server.js';
import { testLogger } from '../support/silent-logger.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const API_KEY = 'test-global-key';
const webhook = (url: string) => ({
  url,
  headers: { 'x-motor-token': 's3cret' },
  events: ['QRCODE_UPDATED', 'CONNECTION_UPDATE', 'SEND_MESSAGE', 'MESSAGES_UPDATE'],
});

async function upstream(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('upstream_failed');
  expect((err as AppError).status).toBe(502);
  return err as AppError;
}

/** A server that answers whatever the test wants, to check envelope variants the simulator never sends. */
async function cannedServer(
  answer: (req: http.IncomingMessage) => { status: number; body: string } | 'hang',
) {
  const server = http.createServer((req, res) => {
    req.resume();
    const a = answer(req);
    if (a === 'hang') return;
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => (server.closeAllConnections(), new Promise<void>((r) => server.close(() => r()))),
  };
}

describe(EvolutionClient.name, () => {
  let sim: RunningSimulator;
  let rx: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let sut: EvolutionClient;

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      logger: testLogger,
      apiKey: API_KEY,
      timings: { deliveryAckMs: 20, readMs: 20 },
    });
    rx = await startWebhookReceiver();
    sut = new EvolutionClient({ baseUrl: sim.url, apiKey: API_KEY, timeoutMs: 5000 });
  });
  afterAll(async () => {
    await sim.close();
    await rx.close();
  });

  it('reads the version from GET /', async () => {
    expect(await sut.version()).toBe('2.3.6');
  });

  it('creates an instance with a QR and Evolution token, then finds it', async () => {
    const created = await sut.createInstance({ instanceName: 'c-create', webhook: webhook(rx.url) });
    expect(created).toMatchObject({ instanceName: 'c-create', status: 'connecting' });
    expect(created.token).toMatch(/^[0-9A-F-]{36}$/);
    expect(created.qr?.base64).toMatch(/^data:image\/png;base64,/);
    expect(created.qr?.code).toMatch(/^2@/);
    expect(await sut.fetchInstance('c-create')).toEqual({
      name: 'c-create',
      connectionStatus: 'connecting',
      ownerJid: null,
      profileName: null,
      token: expect.any(String),
    });
    expect(await sut.connectionState('c-create')).toBe('connecting');
    const hook = await sut.findWebhook('c-create');
    expect(hook).toMatchObject({
      url: rx.url,
      enabled: true,
      headers: { 'x-motor-token': 's3cret' },
      byEvents: false,
    });
  });

  it('maps a duplicate name to upstream_failed naming Evolution, the status and its message', async () => {
    await sut.createInstance({ instanceName: 'c-dup', webhook: webhook(rx.url) });
    const err = await upstream(sut.createInstance({ instanceName: 'c-dup', webhook: webhook(rx.url) }));
    expect(err.message).toBe(
      'Evolution API POST /instance/create failed with status 403: This name "c-dup" is already in use.',
    );
    expect(err.details).toMatchObject({
      upstream: 'evolution',
      status: 403,
      evolutionMessage: 'This name "c-dup" is already in use.',
    });
  });

  it('returns null for an instance Evolution does not know, and 404s name the instance', async () => {
    expect(await sut.fetchInstance('c-nope')).toBeNull();
    const err = await upstream(sut.connect('c-nope'));
    expect(err.message).toContain('status 404: The "c-nope" instance does not exist');
  });

  it('connects, re-registers the webhook, and reports open after a scan', async () => {
    await sut.createInstance({ instanceName: 'c-conn', webhook: webhook(rx.url), qrcode: false });
    expect(await sut.connectionState('c-conn')).toBe('close');
    const first = await sut.connect('c-conn');
    expect(first.state).toBe('connecting');
    expect(first.qr?.base64).toMatch(/^data:image\/png/);
    await sut.setWebhook('c-conn', { ...webhook(rx.url), headers: { 'x-motor-token': 'rotated' } });
    expect((await sut.findWebhook('c-conn'))?.headers).toEqual({ 'x-motor-token': 'rotated' });
    const scan = await fetch(`${sim.url}/_sim/instances/c-conn/scan`, {
      method: 'POST',
      headers: { apikey: API_KEY, 'content-type': 'application/json' },
      body: '{"phone":"5511988887777"}',
    });
    expect(scan.status).toBe(200);
    expect(await sut.connect('c-conn')).toEqual({ state: 'open', qr: null });
    expect(await sut.fetchInstance('c-conn')).toMatchObject({
      connectionStatus: 'open',
      ownerJid: '5511988887777@s.whatsapp.net',
    });
  });

  it('sends text and media, finds the sent messages, lists groups', async () => {
    await sut.createInstance({ instanceName: 'c-send', webhook: webhook(rx.url) });
    const err = await upstream(sut.sendText('c-send', { number: '5511999990001', text: 'oi' }));
    expect(err.message).toBe(
      'Evolution API POST /message/sendText/c-send failed with status 500: Connection Closed',
    );
    await upstream(sut.fetchAllGroups('c-send'));

    await fetch(`${sim.url}/_sim/instances/c-send/scan`, { method: 'POST', headers: { apikey: API_KEY } });
    const sent = await sut.sendText('c-send', {
      number: '5511999990001',
      text: 'Olá!',
      quoted: { waMessageId: '3A0000', fromMe: false, text: 'Quanto custa?' },
    });
    expect(sent.waMessageId).toMatch(/^3EB0[0-9A-F]{18}$/);
    expect(sent).toMatchObject({ remoteJid: '5511999990001@s.whatsapp.net', status: 'PENDING' });
    expect(sent.messageTimestamp).toBeGreaterThan(1_700_000_000);
    const media = await sut.sendMedia('c-send', {
      number: '5511999990001',
      mediatype: 'image',
      media: 'https://example.com/a.jpg',
      caption: 'foto',
    });
    expect(media.waMessageId).toHaveLength(22);
    const found = await sut.findMessages('c-send', { remoteJid: '5511999990001@s.whatsapp.net' });
    expect(found.total).toBe(2);
    expect(await sut.fetchAllGroups('c-send', { getParticipants: true })).toEqual([]);
  });

  it('parses the array-of-objects envelope of a number that is not on WhatsApp', async () => {
    await sut.createInstance({ instanceName: 'c-nowa', webhook: webhook(rx.url) });
    await fetch(`${sim.url}/_sim/instances/c-nowa/scan`, { method: 'POST', headers: { apikey: API_KEY } });
    const err = await upstream(sut.sendText('c-nowa', { number: '123', text: 'oi' }));
    expect(err.message).toContain('status 400: number 123 is not on WhatsApp');
  });

  it('reports logout of a session that is not open as not_connected (a connecting one goes on), and deletes idempotently', async () => {
    await sut.createInstance({ instanceName: 'c-out', webhook: webhook(rx.url), qrcode: false });
    await expect(sut.logout('c-out')).resolves.toBe('not_connected'); // 400 "is not connected"
    await sut.connect('c-out');
    // Evolution 2.3.6 answers 400 while connecting too, and the session keeps looping.
    await expect(sut.logout('c-out')).resolves.toBe('not_connected');
    expect(await sut.connectionState('c-out')).toBe('connecting');
    await sut.deleteInstance('c-out');
    expect(await sut.fetchInstance('c-out')).toBeNull();
    await expect(sut.deleteInstance('c-out')).resolves.toBeUndefined();
    await expect(sut.logout('c-out')).resolves.toBe('unknown_instance');
  });

  it('rejects a bad global key with the plain-string 401 envelope', async () => {
    const bad = new EvolutionClient({ baseUrl: sim.url, apiKey: 'wrong' });
    const err = await upstream(bad.createInstance({ instanceName: 'c-401', webhook: webhook(rx.url) }));
    expect(err.message).toBe('Evolution API POST /instance/create failed with status 401: Unauthorized');
  });

  it('accepts the instance token for that instance only', async () => {
    const created = await sut.createInstance({ instanceName: 'c-tok', webhook: webhook(rx.url) });
    const scoped = new EvolutionClient({ baseUrl: sim.url, apiKey: created.token! });
    expect(await scoped.connectionState('c-tok')).toBe('connecting');
    expect((await upstream(scoped.connectionState('c-create'))).details).toMatchObject({ status: 401 });
  });

  it('handles the 200-with-{error:true} quirk, nested-array messages and non-JSON bodies', async () => {
    const canned = await cannedServer((req) => {
      if (req.url?.startsWith('/instance/connect/'))
        return { status: 200, body: '{"error":true,"message":"[object Object]"}' };
      if (req.url?.startsWith('/webhook/set/'))
        return {
          status: 400,
          body: '{"status":400,"error":"Bad Request","response":{"message":[["instance requires property \\"webhook\\""]]}}',
        };
      if (req.url === '/') return { status: 502, body: '<html>Bad gateway</html>' };
      return { status: 200, body: '{"unexpected":true}' };
    });
    const c = new EvolutionClient({ baseUrl: canned.url, apiKey: 'k' });
    expect((await upstream(c.connect('x'))).message).toBe(
      'Evolution API GET /instance/connect/x answered status 200 with an error: [object Object]',
    );
    expect((await upstream(c.setWebhook('x', webhook('http://a')))).message).toContain(
      'status 400: instance requires property "webhook"',
    );
    expect((await upstream(c.version())).message).toBe(
      'Evolution API GET / failed with status 502: <html>Bad gateway</html>',
    );
    expect((await upstream(c.connectionState('x'))).message).toMatch(
      /^Evolution API GET \/instance\/connectionState\/x answered an unexpected body/,
    );
    await canned.close();
  });

  it('times out against a server that never answers, within the configured bound', async () => {
    const silent = await cannedServer(() => 'hang');
    const c = new EvolutionClient({ baseUrl: silent.url, apiKey: 'k', timeoutMs: 150 });
    const started = Date.now();
    const err = await upstream(c.version());
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.message).toBe('Evolution API GET / did not answer within 150 ms');
    await silent.close();
  });

  it('reports an unreachable server as upstream_failed', async () => {
    const closed = await cannedServer(() => 'hang');
    await closed.close(); // its port is now free: nothing listens there
    const c = new EvolutionClient({ baseUrl: closed.url, apiKey: 'k', timeoutMs: 2000 });
    expect((await upstream(c.version())).message).toMatch(
      /^Evolution API GET \/ could not be reached \(ECONNREFUSED\)/,
    );
  });

  it('uses the injected fetch', async () => {
    const calls: string[] = [];
    const c = new EvolutionClient({
      baseUrl: 'http://evolution.invalid',
      apiKey: 'k',
      fetch: (async (u: URL, init: RequestInit) => {
        calls.push(`${init.method} ${u.toString()} ${(init.headers as Record<string, string>).apikey}`);
        return new Response('{"version":"2.3.7"}', { status: 200 });
      }) as unknown as typeof fetch,
    });
    expect(await c.version()).toBe('2.3.7');
    expect(calls).toEqual(['GET http://evolution.invalid/ k']);
  });

  it('flattens every message variant to one line', () => {
    expect(flattenMessage('Unauthorized')).toBe('Unauthorized');
    expect(flattenMessage(['a', ['b', 'c']])).toBe('a; b; c');
    expect(flattenMessage([{ jid: '1@s.whatsapp.net', exists: false, number: '1' }])).toBe(
      'number 1 is not on WhatsApp',
    );
    expect(flattenMessage([{ other: 1 }])).toBe('{"other":1}');
    expect(flattenMessage(null)).toBeNull();
  });
});
