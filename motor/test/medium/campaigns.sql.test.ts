import type { Campaign } from '@atende/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, api, signup, type SignedUp } from '../support/http-client.js';
import { createInstance, inboundText, setInstanceStatus } from '../support/campaign-fixtures.js';
import type { fakeWhatsApp } from '../support/fake-whatsapp.js';
import { recordingPublisher, startTestApp, type TestApp } from '../support/test-app.js';
import { waitFor } from '../support/wait-for.js';

// The campaigns API from outside (docs/campaigns.md): fields, the status machine, the audience
// materialised at start, recipients and CSV, the preview, and the automatic moves of the tick.

describe('campaigns API', () => {
  let app: TestApp;
  let owner: SignedUp;
  let as: ReturnType<typeof api>;
  let agent: ReturnType<typeof api>;
  let instanceId: string;
  const rt = recordingPublisher();

  beforeAll(async () => {
    // The clock runs (auto pause/resume, schedule); the feeder is parked (its first look finds
    // nothing and sleeps an hour), so recipients stay as materialised. Sending: campaign-runner.sql.test.ts.
    app = await startTestApp({ deps: { realtime: rt, campaignRunner: { tickMs: 100, idleMs: 3_600_000 } } });
    owner = await signup(app.baseUrl, { accountName: 'Loja Campanhas' });
    as = api(app.baseUrl, owner.cookie);
    agent = api(app.baseUrl, (await addMember(app.baseUrl, owner.cookie, { role: 'agent' })).cookie);
    instanceId = (await createInstance(app.db, owner.account.id, 'disconnected')).id;
    await inboundText(app.db, owner.account.id, instanceId, {
      phone: '5511987650001',
      name: 'Ana',
      text: 'oi',
    });
    await inboundText(app.db, owner.account.id, instanceId, {
      phone: '5521987650002',
      name: 'Bruno',
      text: 'olá',
    });
  });
  afterAll(() => app?.close());

  const get = (id: string) => as.get(`/api/campaigns/${id}`).then((r) => r.body as Campaign);

  const draft = (over: Record<string, unknown> = {}) => ({
    name: 'Black Friday',
    instanceId,
    text: 'Olá {{name}}, 20% off hoje!',
    audience: {
      type: 'phones',
      phones: ['(11) 98765-0001', '+55 21 8765-0002', '11 3333-4444', '5511987650001'],
    },
    ...over,
  });

  it('lists every invalid phone number one by one (400) and creates nothing', async () => {
    const r = await as.post(
      '/api/campaigns',
      draft({ audience: { type: 'phones', phones: ['11 98765-0001', 'abc', '123', '(00) 91234-5678'] } }),
    );
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('validation_failed');
    const paths = r.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(['body.audience.phones.1', 'body.audience.phones.2', 'body.audience.phones.3']);
    expect(r.body.error.details[0].message).toMatch(/"abc"/);
    expect((await as.get('/api/campaigns')).body).toEqual([]);
  });

  it('creates a draft with normalised, deduplicated phones; agents read but cannot write', async () => {
    const r = await as.post('/api/campaigns', draft());
    expect(r.status).toBe(201);
    const c = r.body as Campaign;
    expect(c).toMatchObject({
      status: 'draft',
      ratePerMinute: 20,
      scheduledAt: null,
      pausedReason: null,
      total: 3,
      sent: 0,
      delivered: 0,
      read: 0,
      failed: 0,
      skipped: 0,
      startedAt: null,
      finishedAt: null,
    });
    expect(c.audience).toEqual({
      type: 'phones',
      phones: ['5511987650001', '5521987650002', '551133334444'],
    });
    expect(Object.keys(c).sort()).toEqual(
      [
        'audience',
        'createdAt',
        'delivered',
        'failed',
        'finishedAt',
        'id',
        'instanceId',
        'name',
        'pausedReason',
        'ratePerMinute',
        'read',
        'scheduledAt',
        'sent',
        'skipped',
        'startedAt',
        'status',
        'text',
        'total',
        'updatedAt',
      ].sort(),
    );
    expect((await agent.post('/api/campaigns', draft())).status).toBe(403);
    expect((await agent.post(`/api/campaigns/${c.id}/start`)).status).toBe(403);
    expect((await agent.get(`/api/campaigns/${c.id}`)).body.id).toBe(c.id);
    expect(
      rt.published.some(
        (e) => e.type === 'campaign.updated' && (e.data as { campaign: Campaign }).campaign.id === c.id,
      ),
    ).toBe(true);
  });

  it('refuses bad fields with 400 and unknown ids with 404', async () => {
    expect((await as.post('/api/campaigns', draft({ ratePerMinute: 601 }))).status).toBe(400);
    expect((await as.post('/api/campaigns', draft({ text: 'x'.repeat(4097) }))).status).toBe(400);
    expect((await as.post('/api/campaigns', draft({ audience: { type: 'label' } }))).status).toBe(400);
    expect(
      (await as.post('/api/campaigns', draft({ instanceId: '00000000-0000-4000-8000-000000000000' }))).status,
    ).toBe(404);
    expect((await as.get('/api/campaigns/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await as.post('/api/campaigns/00000000-0000-4000-8000-000000000000/launch')).status).toBe(400);
  });

  it('walks the status machine: 409 for moves the status does not allow or a disconnected number', async () => {
    const c = (await as.post('/api/campaigns', draft())).body as Campaign;
    expect((await as.post(`/api/campaigns/${c.id}/pause`)).status).toBe(409);
    const offline = await as.post(`/api/campaigns/${c.id}/start`);
    expect(offline.status).toBe(409);
    expect(offline.body.error.code).toBe('conflict');
    expect(
      (await as.patch(`/api/campaigns/${c.id}`, { ratePerMinute: 60, name: 'BF 2' })).body,
    ).toMatchObject({ ratePerMinute: 60, name: 'BF 2' });

    await setInstanceStatus(app.db, owner.account.id, instanceId, 'connected');
    const started = await as.post(`/api/campaigns/${c.id}/start`);
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'running', total: 3 });
    expect(started.body.startedAt).toEqual(expect.any(String));
    expect((await as.post(`/api/campaigns/${c.id}/start`)).status).toBe(409);
    expect((await as.patch(`/api/campaigns/${c.id}`, { name: 'late' })).status).toBe(409);
    expect((await as.delete(`/api/campaigns/${c.id}`)).status).toBe(409);
    expect((await as.post(`/api/campaigns/${c.id}/pause`)).body).toMatchObject({
      status: 'paused',
      pausedReason: null,
    });
    expect((await as.post(`/api/campaigns/${c.id}/pause`)).status).toBe(409);
    expect((await as.post(`/api/campaigns/${c.id}/resume`)).body.status).toBe('running');
    expect((await as.post(`/api/campaigns/${c.id}/cancel`)).body).toMatchObject({ status: 'cancelled' });
    expect((await as.post(`/api/campaigns/${c.id}/resume`)).status).toBe(409);
    expect((await as.post(`/api/campaigns/${c.id}/cancel`)).status).toBe(409);
    expect((await as.delete(`/api/campaigns/${c.id}`)).status).toBe(204);
    expect((await as.get(`/api/campaigns/${c.id}`)).status).toBe(404);
  });

  it('materialises recipients at start: names from contacts, phone order, keyset pages, status filter, CSV', async () => {
    const c = (await as.post('/api/campaigns', draft())).body as Campaign;
    await as.post(`/api/campaigns/${c.id}/start`);
    const all = (await as.get(`/api/campaigns/${c.id}/recipients`)).body;
    expect(all.map((r: { phone: string }) => r.phone)).toEqual([
      '551133334444',
      '5511987650001',
      '5521987650002',
    ]);
    expect(all[1]).toMatchObject({
      name: 'Ana',
      status: 'pending',
      error: null,
      sentAt: null,
      contactId: expect.any(String),
    });
    expect(all[0]).toMatchObject({ name: null, contactId: null });
    expect(Object.keys(all[0]).sort()).toEqual([
      'contactId',
      'error',
      'id',
      'name',
      'phone',
      'sentAt',
      'status',
    ]);
    const page2 = (await as.get(`/api/campaigns/${c.id}/recipients?limit=2&after=5511987650001`)).body;
    expect(page2.map((r: { phone: string }) => r.phone)).toEqual(['5521987650002']);
    expect((await as.get(`/api/campaigns/${c.id}/recipients?status=sent`)).body).toEqual([]);
    expect((await as.get(`/api/campaigns/${c.id}/recipients?status=nope`)).status).toBe(400);

    const csv = await fetch(`${app.baseUrl}/api/campaigns/${c.id}/recipients.csv`, {
      headers: { cookie: owner.cookie },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('phone,name,status,error,sentAt,contactId,id');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^5511987650001,Ana,pending,,,/);
    await as.post(`/api/campaigns/${c.id}/cancel`);
  });

  it('previews an audience: count, invalid numbers with reasons, estimated duration', async () => {
    const r = await as.post('/api/campaigns/preview', {
      audience: { type: 'phones', phones: ['11 98765-0001', 'x1', '11 98765-0001', '21 98765-0002'] },
      ratePerMinute: 60,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      count: 2,
      optedOut: 0,
      invalid: [{ index: 1, input: 'x1', reason: 'characters' }],
      estimatedSeconds: 1,
    });
    const all = await as.post('/api/campaigns/preview', { audience: { type: 'all' } });
    expect(all.body).toMatchObject({ count: 2, invalid: [] });
    expect((await agent.post('/api/campaigns/preview', { audience: { type: 'all' } })).status).toBe(403);
  });

  it('pauses by itself when the number disconnects and resumes when it reconnects', async () => {
    const c = (await as.post('/api/campaigns', draft({ audience: { type: 'all' } }))).body as Campaign;
    await as.post(`/api/campaigns/${c.id}/start`);
    await setInstanceStatus(app.db, owner.account.id, instanceId, 'disconnected');
    const paused = await waitFor(
      () => get(c.id),
      (v) => v.status === 'paused',
    );
    expect(paused).toMatchObject({ status: 'paused', pausedReason: 'instance_disconnected' });
    expect((await as.post(`/api/campaigns/${c.id}/resume`)).status).toBe(409);
    await setInstanceStatus(app.db, owner.account.id, instanceId, 'connected');
    await waitFor(
      () => get(c.id),
      (v) => v.status === 'running',
    );
    const pushed = rt.published.filter(
      (e) => e.type === 'campaign.updated' && (e.data as { campaign: Campaign }).campaign.id === c.id,
    );
    expect(pushed.map((e) => (e.data as { campaign: Campaign }).campaign.status)).toEqual(
      expect.arrayContaining(['paused', 'running']),
    );
    await as.post(`/api/campaigns/${c.id}/cancel`);
  });

  it('a started campaign with a future scheduledAt waits as scheduled, then starts by itself', async () => {
    const at = new Date(Date.now() + 5000).toISOString();
    const c = (await as.post('/api/campaigns', draft({ scheduledAt: at }))).body as Campaign;
    expect(c).toMatchObject({ status: 'draft', scheduledAt: at });
    expect((await as.post(`/api/campaigns/${c.id}/start`)).body).toMatchObject({
      status: 'scheduled',
      total: 3,
    });
    expect((await as.patch(`/api/campaigns/${c.id}`, { name: 'still editable' })).status).toBe(200);
    const started = await waitFor(
      () => get(c.id),
      (v) => v.status !== 'scheduled',
    );
    expect(started).toMatchObject({ status: 'running', total: 3 });
    expect(Date.parse(started.startedAt!)).toBeGreaterThanOrEqual(Date.parse(at));
    await as.post(`/api/campaigns/${c.id}/cancel`);
  });

  it('a send refused because the number is not connected puts the recipient back in the queue', async () => {
    const wa = app.deps.whatsapp as ReturnType<typeof fakeWhatsApp>;
    const c = (
      await as.post('/api/campaigns', draft({ audience: { type: 'phones', phones: ['21 98765-0002'] } }))
    ).body as Campaign;
    await as.post(`/api/campaigns/${c.id}/start`);
    wa.next.push({ error: 'Connection Closed' });
    const feed = { jitter: 0, breakEvery: 0, breakMs: 0, dailyCap: 1000 };
    expect((await app.db.call<{ fed: unknown }>('campaign_feed', feed)).fed).not.toBeNull();
    app.deps.outbox.wake();
    const failed = await waitFor(
      async () => {
        const conv = (await as.get('/api/conversations')).body.find(
          (x: { contact?: { phone?: string } }) => x.contact?.phone === '5521987650002',
        );
        return conv
          ? ((await as.get(`/api/conversations/${conv.id}/messages`)).body as {
              status: string;
              error: string;
              sender: string;
            }[])
          : [];
      },
      (l) => l.some((m) => m.status === 'failed' && m.sender === 'campaign'),
    );
    expect(failed.find((m) => m.status === 'failed')?.error).toBe('instance_disconnected');
    expect((await as.get(`/api/campaigns/${c.id}/recipients`)).body[0]).toMatchObject({
      status: 'pending',
      error: null,
    });
    // Fed again (after the next slot), it goes out once.
    await new Promise((r) => setTimeout(r, 3100));
    expect((await app.db.call<{ fed: unknown }>('campaign_feed', feed)).fed).not.toBeNull();
    app.deps.outbox.wake();
    await waitFor(
      () => as.get(`/api/campaigns/${c.id}/recipients`),
      (r) => r.body[0].status === 'sent',
    );
    await waitFor(
      () => get(c.id),
      (v) => v.status === 'completed',
    );
    expect(await get(c.id)).toMatchObject({ total: 1, sent: 1, failed: 0 });
  });

  it('keeps accounts apart', async () => {
    const other = api(app.baseUrl, (await signup(app.baseUrl)).cookie);
    const mine = (await as.get('/api/campaigns')).body as Campaign[];
    expect(mine.length).toBeGreaterThan(0);
    expect((await other.get('/api/campaigns')).body).toEqual([]);
    expect((await other.get(`/api/campaigns/${mine[0]!.id}`)).status).toBe(404);
    expect((await other.post('/api/campaigns', draft())).status).toBe(404);
  });
});
