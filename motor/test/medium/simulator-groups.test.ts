import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvolutionClient } from '../../src/adapters/evolution/evolution.client.js';
import { SimulatorSandboxClient } from '../../src/adapters/evolution/simulator-sandbox.client.js';
import { EvolutionInbound } from '../../src/adapters/evolution/webhook/evolution.inbound.js';
import { SUBSCRIBED_EVENTS } from '../../src/adapters/evolution/webhook/webhook.events.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator.server.js';
import { testLogger } from '../support/silent-logger.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

// The simulator's number lookup (chat/whatsappNumbers) and groups (fetchAllGroups, the control
// routes that make a group and write in it), answered as Evolution 2.3 does, and read through the
// Motor's own Evolution client and webhook reader.

const KEY = 'sim-groups-key';

describe('Evolution simulator: numbers and groups', () => {
  let sim: RunningSimulator;
  let rx: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let client: EvolutionClient;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(sim.url + path, {
      method,
      headers: { apikey: KEY, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const hook = (name: string, event: string) =>
    rx.waitFor((h) => h.body.instance === name && h.body.event === event);

  beforeAll(async () => {
    rx = await startWebhookReceiver();
    sim = await startSimulator({
      port: 0,
      logger: testLogger,
      apiKey: KEY,
      timings: { deliveryAckMs: 20, readMs: 20, webhookTimeoutMs: 10_000 },
    });
    client = new EvolutionClient({ baseUrl: sim.url, apiKey: KEY, timeoutMs: 5_000 });
    await client.createInstance({ instanceName: 'g-1', webhook: { url: rx.url, headers: { 'x-motor-token': 't' }, events: SUBSCRIBED_EVENTS } });
  });
  afterAll(async () => {
    await sim?.close();
    await rx?.close();
  });

  it('whatsappNumbers: 400 while not connected, then exists/jid per number, echoing the number as given', async () => {
    const closed = await call('POST', '/chat/whatsappNumbers/g-1', { numbers: ['5511987654321'] });
    expect(closed.status).toBe(400);
    await expect(client.whatsappNumbers('g-1', ['5511987654321'])).rejects.toMatchObject({ code: 'upstream_failed' });
    await call('POST', '/_sim/instances/g-1/scan', { phone: '5511912345678' });
    const r = await call('POST', '/chat/whatsappNumbers/g-1', { numbers: ['5511987654321', '551187654321', '5511912340000'] });
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { jid: '5511987654321@s.whatsapp.net', exists: true, number: '5511987654321' },
      { jid: '5511987654321@s.whatsapp.net', exists: true, number: '551187654321' },
      { jid: '5511912340000@s.whatsapp.net', exists: false, number: '5511912340000' },
    ]);
    expect((await call('POST', '/chat/whatsappNumbers/g-1', {})).status).toBe(400);
    expect((await call('POST', '/chat/whatsappNumbers/nope', { numbers: ['1'] })).status).toBe(404);
    // A customer who writes from the 12-digit form keeps it: WhatsApp answers the JID it knows.
    await call('POST', '/_sim/instances/g-1/messages', { from: '553187651234', name: 'Bia', text: 'oi' });
    expect(await client.whatsappNumbers('g-1', ['5531987651234'])).toEqual([
      { number: '5531987651234', exists: true, jid: '553187651234@s.whatsapp.net', name: null },
    ]);
  });

  it('groups: created by the control route (groups.upsert), listed by fetchAllGroups, written in with a participant', async () => {
    expect((await call('GET', '/group/fetchAllGroups/g-1')).status).toBe(400);
    expect(await client.fetchAllGroups('g-1')).toEqual([]);
    const g = await call('POST', '/_sim/instances/g-1/groups', {
      subject: 'Clientes VIP',
      participants: [{ phone: '5511999990003' }, { phone: '5511999990004' }],
    });
    expect(g.status).toBe(201);
    expect(g.body).toMatchObject({ jid: expect.stringMatching(/^120363\d+@g\.us$/), subject: 'Clientes VIP', size: 3 });
    const upsert = await hook('g-1', 'groups.upsert');
    const inbound = new EvolutionInbound();
    const change = await inbound.parse(upsert.body).read();
    expect(change).toMatchObject({ kind: 'groups.changed', groups: [{ jid: g.body.jid, subject: 'Clientes VIP', size: 3 }] });

    const raw = await call('GET', '/group/fetchAllGroups/g-1?getParticipants=false');
    expect(raw.body).toEqual([expect.objectContaining({ id: g.body.jid, subject: 'Clientes VIP', size: 3 })]);
    expect(raw.body[0].participants).toBeUndefined();
    expect(await client.fetchAllGroups('g-1', { getParticipants: true })).toEqual([
      expect.objectContaining({ jid: g.body.jid, subject: 'Clientes VIP', size: 3, participants: expect.arrayContaining([expect.objectContaining({ phoneNumber: '5511999990003@s.whatsapp.net', admin: 'superadmin' })]) }),
    ]);

    const said = await call('POST', '/_sim/instances/g-1/group-messages', { groupJid: g.body.jid, from: '5511999990005', name: 'Carlos', text: 'Bom dia!' });
    expect(said.status).toBe(201);
    const joined = await hook('g-1', 'group-participants.update');
    expect(joined.body.data).toMatchObject({ id: g.body.jid, action: 'add', participants: [{ phoneNumber: '5511999990005@s.whatsapp.net' }] });
    const up = await rx.waitFor((h) => h.body.instance === 'g-1' && h.body.event === 'messages.upsert' && (h.body.data as { key: { remoteJid: string } }).key.remoteJid === g.body.jid);
    const msg = await inbound.parse(up.body).read();
    expect(msg).toMatchObject({ kind: 'message.received', message: { chat: { kind: 'group', jid: g.body.jid }, pushName: 'Carlos', text: 'Bom dia!' } });
    expect((await client.whatsappNumbers('g-1', [g.body.jid]))[0]).toMatchObject({ exists: true, name: 'Clientes VIP' });
    expect((await call('POST', '/_sim/instances/g-1/group-messages', { groupJid: '1@g.us', from: '5511999990005', name: 'C', text: 'x' })).status).toBe(404);
    expect((await call('POST', '/_sim/instances/g-1/groups', { subject: '', participants: [] })).status).toBe(400);
    // Agents answer in the group: sendText to the group JID.
    const sent = await client.sendText('g-1', { number: g.body.jid, text: 'Bom dia, Carlos!' });
    expect(sent.remoteJid).toBe(g.body.jid);
  });

  it('the sandbox writes in a group by subject, making it the first time', async () => {
    const sandbox = new SimulatorSandboxClient({ baseUrl: sim.url, apiKey: KEY, timeoutMs: 5_000 });
    const first = await sandbox.groupMessage('g-1', { subject: 'Equipe de vendas', phone: '5511999990006', name: 'Duda', text: 'Oi grupo' });
    const again = await sandbox.groupMessage('g-1', { subject: 'equipe de vendas ', phone: '5511999990007', name: 'Edu', text: 'Oi!' });
    expect(again.groupJid).toBe(first.groupJid);
    const groups = await client.fetchAllGroups('g-1');
    expect(groups.find((g) => g.jid === first.groupJid)).toMatchObject({ subject: 'Equipe de vendas', size: 3 });
    await expect(sandbox.groupMessage('nope', { subject: 'x', phone: '5511999990006', name: 'D', text: 'x' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
