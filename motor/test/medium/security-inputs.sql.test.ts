import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/services/conversations.service.js';
import { api, signup, type SignedUp } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Issue 18.6: list cursors and `before` with dates PostgreSQL cannot hold (year 0000, 99999)
// answered 500; they are bad input (400). Runs on PGlite and, as *.sql.test.ts, on PostgreSQL.

describe('crafted list cursors', () => {
  let app: TestApp;
  let owner: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    owner = await signup(app.baseUrl);
  });
  afterAll(() => app?.close());

  const id = '00000000-0000-4000-8000-000000000000';
  const dates = [
    '0000-01-01T00:00:00Z',
    '+099999-01-01T00:00:00.000Z',
    '-000001-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59Z',
  ];

  it('answers 400 for cursors and `before` outside years 1–9999, never 500', async () => {
    const a = api(app.baseUrl, owner.cookie);
    const conv = (await a.get('/api/conversations')).status;
    expect(conv).toBe(200);
    const statuses: string[] = [];
    for (const d of dates) {
      const ok = d.startsWith('9999');
      for (const path of [
        `/api/conversations?cursor=${encodeCursor(d, id)}`,
        `/api/conversations?before=${encodeURIComponent(d)}`,
        `/api/conversations/${id}/messages?cursor=${encodeCursor(d, d, id)}`,
        `/api/conversations/${id}/messages?before=${encodeURIComponent(d)}`,
      ]) {
        const r = await a.get(path);
        const want = ok ? (path.includes('/messages') ? 404 : 200) : 400;
        if (r.status !== want) statuses.push(`${path} (${d}) → ${r.status}, want ${want}`);
      }
    }
    expect(statuses).toEqual([]);
  });

  // Found by the route fuzz (security-fuzz.test.ts): the same dates on the other lists and on a
  // campaign's schedule.
  it('answers 400 for products, contacts and campaign schedules outside years 1–9999', async () => {
    const a = api(app.baseUrl, owner.cookie);
    await a.post('/api/products', { name: 'Tênis', priceCents: 100 });
    const statuses: string[] = [];
    for (const d of dates.filter((x) => !x.startsWith('9999'))) {
      for (const path of [
        `/api/products?before=${encodeURIComponent(d)}`,
        `/api/contacts?before=${encodeURIComponent(d)}`,
      ]) {
        const r = await a.get(path);
        if (r.status !== 400 || r.body.error.code !== 'validation_failed')
          statuses.push(`${path} → ${r.status}`);
      }
      const c = await a.post('/api/campaigns', {
        name: 'x',
        instanceId: id,
        text: 'hi',
        audience: { type: 'all' },
        scheduledAt: d,
      });
      if (c.status !== 400 || c.body.error.details?.[0]?.path !== 'body.scheduledAt')
        statuses.push(`campaign scheduledAt ${d} → ${c.status} ${JSON.stringify(c.body.error.details)}`);
    }
    expect(statuses).toEqual([]);
  });
});
