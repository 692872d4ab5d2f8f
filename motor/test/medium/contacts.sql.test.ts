import type { Contact } from '@atende/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstance, inboundText } from '../support/campaign-fixtures.js';
import { addMember, api, signup, type SignedUp } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// The contacts API from outside: search ignoring accents, the opt-out flag (set by an opt-out
// word, cleared by an agent), labels, and what campaigns make of them.

describe('contacts API', () => {
  let app: TestApp;
  let owner: SignedUp;
  let as: ReturnType<typeof api>;
  let agent: ReturnType<typeof api>;
  let instanceId: string;

  beforeAll(async () => {
    app = await startTestApp({ deps: { campaignRunner: { tickMs: 100, idleMs: 3_600_000 } } });
    owner = await signup(app.baseUrl, { accountName: 'Loja Contatos' });
    as = api(app.baseUrl, owner.cookie);
    agent = api(app.baseUrl, (await addMember(app.baseUrl, owner.cookie, { role: 'agent' })).cookie);
    instanceId = (await createInstance(app.db, owner.account.id, 'connected')).id;
    await inboundText(app.db, owner.account.id, instanceId, {
      phone: '5511987651111',
      name: 'José Álvares',
      text: 'oi',
    });
    await inboundText(app.db, owner.account.id, instanceId, {
      phone: '5521987652222',
      name: 'Maria',
      text: 'olá',
    });
  });
  afterAll(() => app?.close());

  const list = (q = '') => as.get(`/api/contacts${q}`).then((r) => r.body as Contact[]);

  it('lists newest first with the contract fields; searches names without accents and phones by digits', async () => {
    const all = await list();
    expect(all.map((c) => c.pushName)).toEqual(['Maria', 'José Álvares']);
    expect(Object.keys(all[0]!).sort()).toEqual([
      'avatarUrl',
      'createdAt',
      'id',
      'labels',
      'name',
      'optedOut',
      'phone',
      'pushName',
    ]);
    expect((await list('?q=jose alvares')).map((c) => c.phone)).toEqual(['5511987651111']);
    expect((await list('?q=(21) 98765')).map((c) => c.pushName)).toEqual(['Maria']);
    expect((await list(`?before=${encodeURIComponent(all[0]!.createdAt)}`)).map((c) => c.pushName)).toEqual([
      'José Álvares',
    ]);
    expect((await as.get('/api/contacts?optedOut=maybe')).status).toBe(400);
  });

  it('an opt-out word marks the contact; an agent clears it and campaigns include it again', async () => {
    await inboundText(app.db, owner.account.id, instanceId, {
      phone: '5511987651111',
      name: 'José Álvares',
      text: 'Descadastrar.',
    });
    const opted = await list('?optedOut=true');
    expect(opted).toEqual([expect.objectContaining({ phone: '5511987651111', optedOut: true })]);
    const preview = (await as.post('/api/campaigns/preview', { audience: { type: 'all' } })).body;
    expect(preview).toMatchObject({ count: 1, optedOut: 1 });

    const cleared = await agent.patch(`/api/contacts/${opted[0]!.id}`, { optedOut: false });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ optedOut: false });
    expect((await as.post('/api/campaigns/preview', { audience: { type: 'all' } })).body).toMatchObject({
      count: 2,
      optedOut: 0,
    });
  });

  it('labels select a campaign audience', async () => {
    const maria = (await list('?q=maria'))[0]!;
    const r = await as.patch(`/api/contacts/${maria.id}`, {
      labels: [' vip ', 'vip', 'atacado'],
      name: 'Maria Souza',
    });
    expect(r.body).toMatchObject({ name: 'Maria Souza', labels: ['atacado', 'vip'] });
    expect(
      (await as.post('/api/campaigns/preview', { audience: { type: 'label', label: 'vip' } })).body,
    ).toMatchObject({ count: 1 });
    expect(
      (await as.post('/api/campaigns/preview', { audience: { type: 'label', label: 'none' } })).body,
    ).toMatchObject({ count: 0 });
    expect((await as.patch(`/api/contacts/${maria.id}`, {})).status).toBe(400);
    expect((await as.patch(`/api/contacts/${maria.id}`, { labels: ['x'.repeat(51)] })).status).toBe(400);
  });

  it('keeps accounts apart', async () => {
    const other = api(app.baseUrl, (await signup(app.baseUrl)).cookie);
    const mine = await list();
    expect((await other.get('/api/contacts')).body).toEqual([]);
    expect((await other.patch(`/api/contacts/${mine[0]!.id}`, { optedOut: true })).status).toBe(404);
  });
});
