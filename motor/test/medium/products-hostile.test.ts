import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, signup, type SignedUp } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Whatever a client sends to the catalogue routes, the answer is a clean 2xx/4xx with the error
// envelope, never a 5xx: random CSV files (quotes, separators, control characters, bytes that are
// not UTF-8) and random JSON bodies for create and update.
describe('products: hostile input', () => {
  let app: TestApp;
  let owner: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    owner = await signup(app.baseUrl);
  });
  afterAll(() => app?.close());

  const send = (body: Uint8Array | string) =>
    fetch(`${app.baseUrl}/api/products/import`, {
      method: 'POST',
      headers: { cookie: owner.cookie, 'content-type': 'text/csv' },
      body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));

  const ok = (r: { status: number; body: any }) => {
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
    if (r.status >= 400) expect(typeof r.body.error.code).toBe('string');
  };

  const cell = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      '"',
      '""',
      ';',
      ',',
      '\n',
      '\r\n',
      '\u0000',
      'R$ 1.299,90',
      '1.2.3',
      'sim',
      '-1',
      'https://x.example/a.png',
    ),
  );
  const header = fc.subarray(
    ['name', 'nome', 'price', 'preço', 'sku', 'active', 'imageUrl', 'currency', 'x'],
    { minLength: 0 },
  );

  it('random CSV files never crash the import', async () => {
    await fc.assert(
      fc.asyncProperty(
        header,
        fc.constantFrom(',', ';', '\t'),
        fc.array(fc.array(cell, { maxLength: 8 }), { maxLength: 6 }),
        async (cols, sep, rows) => {
          const text = [cols.join(sep), ...rows.map((r) => r.join(sep))].join('\n');
          ok(await send(text));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('random bytes never crash the import', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) =>
        ok(await send(bytes)),
      ),
      { numRuns: 100 },
    );
  });

  it('random JSON bodies for create and update answer 201/200 or a 4xx', async () => {
    const as = api(app.baseUrl, owner.cookie);
    const target = (await as.post('/api/products', { name: 'alvo' })).body.id as string;
    const value = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant({}),
      fc.constant([]),
    );
    const body = fc.record(
      {
        name: value,
        description: value,
        priceCents: value,
        currency: value,
        sku: value,
        active: value,
        imageUrl: value,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        ok(await as.post('/api/products', b));
        ok(await as.patch(`/api/products/${target}`, b));
      }),
      { numRuns: 150 },
    );
  });
});
