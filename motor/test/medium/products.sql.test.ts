import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MatchedProduct, Product } from '@atende/shared';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import { ProductsService } from '../../src/services/products.service.js';
import { addMember, api, signup, type SignedUp } from '../support/http-client.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDb } from '../support/test-db.js';

// Products API (CRUD, search, CSV import, roles, tenancy) on the real app and a real database
// (PGlite here; PostgreSQL in the sql-on-postgres project).
describe(ProductsService.name, () => {
  let db: PgliteDb;
  let app: TestApp;
  beforeAll(async () => {
    db = await createTestDb();
    app = await startTestApp({ db });
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  const shop = async () => {
    const owner = await signup(app.baseUrl);
    return { owner, as: api(app.baseUrl, owner.cookie) };
  };
  const csv = (who: SignedUp | { cookie: string }, text: string | Buffer, type = 'text/csv') =>
    fetch(`${app.baseUrl}/api/products/import`, {
      method: 'POST',
      headers: { cookie: who.cookie, 'content-type': type },
      body: typeof text === 'string' ? text : new Uint8Array(text),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));

  describe('create, read, update, delete', () => {
    it('creates with defaults and answers the contract shape', async () => {
      const { as } = await shop();
      const r = await as.post('/api/products', { name: '  Camiseta Azul ', priceCents: 7990 });
      expect(r.status).toBe(201);
      expect(r.body).toEqual({
        id: expect.any(String),
        name: 'Camiseta Azul',
        description: null,
        priceCents: 7990,
        currency: 'BRL',
        sku: null,
        active: true,
        imageUrl: null,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
        updatedAt: expect.any(String),
      });
      expect((await as.get(`/api/products/${r.body.id}`)).body).toEqual(r.body);
    });

    it('keeps every field given, currency upper-cased', async () => {
      const { as } = await shop();
      const body = {
        name: 'Tênis',
        description: 'Leve',
        priceCents: 0,
        currency: 'usd',
        sku: 'TEN-1',
        active: false,
        imageUrl: 'https://cdn.example.com/t.png',
      };
      const r = await as.post('/api/products', body);
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ ...body, currency: 'USD' });
    });

    it.each([
      [{ name: '' }, 'body.name'],
      [{ name: 'x'.repeat(201) }, 'body.name'],
      [{}, 'body.name'],
      [{ name: 'a', description: 'x'.repeat(4001) }, 'body.description'],
      [{ name: 'a', priceCents: -1 }, 'body.priceCents'],
      [{ name: 'a', priceCents: 12.5 }, 'body.priceCents'],
      [{ name: 'a', priceCents: '100' }, 'body.priceCents'],
      [{ name: 'a', priceCents: 2 ** 31 }, 'body.priceCents'],
      [{ name: 'a', currency: 'REAL' }, 'body.currency'],
      [{ name: 'a', currency: 'XYZ' }, 'body.currency'],
      [{ name: 'a', sku: 'x'.repeat(65) }, 'body.sku'],
      [{ name: 'a', active: 'yes' }, 'body.active'],
      [{ name: 'a', imageUrl: 'ftp://example.com/a.png' }, 'body.imageUrl'],
      [{ name: 'a', imageUrl: 'javascript:alert(1)' }, 'body.imageUrl'],
      [{ name: 'a', imageUrl: 'not a url' }, 'body.imageUrl'],
    ])('rejects %j with 400 at %s', async (body, path) => {
      const { as } = await shop();
      const r = await as.post('/api/products', body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      expect(r.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    });

    it('409 conflict on a sku the account already uses (create and patch); other accounts may reuse it', async () => {
      const { as } = await shop();
      expect((await as.post('/api/products', { name: 'A', sku: 'SKU-1' })).status).toBe(201);
      const dup = await as.post('/api/products', { name: 'B', sku: 'SKU-1' });
      expect(dup.status).toBe(409);
      expect(dup.body.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/sku/) });
      const b = await as.post('/api/products', { name: 'B', sku: 'SKU-2' });
      expect((await as.patch(`/api/products/${b.body.id}`, { sku: 'SKU-1' })).status).toBe(409);
      const other = await shop();
      expect((await other.as.post('/api/products', { name: 'A', sku: 'SKU-1' })).status).toBe(201);
    });

    it('patches only the given fields; null or "" clears an optional one', async () => {
      const { as } = await shop();
      const p = (
        await as.post('/api/products', {
          name: 'Boné',
          description: 'Aba reta',
          priceCents: 5000,
          sku: 'B1',
          imageUrl: 'http://x.example/b.jpg',
        })
      ).body as Product;
      const r = await as.patch(`/api/products/${p.id}`, {
        priceCents: 4500,
        description: null,
        imageUrl: '',
        active: false,
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        name: 'Boné',
        sku: 'B1',
        priceCents: 4500,
        description: null,
        imageUrl: null,
        active: false,
      });
      expect(Date.parse(r.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(p.updatedAt));
      expect((await as.patch(`/api/products/${p.id}`, { name: '' })).status).toBe(400);
      expect((await as.patch(`/api/products/${p.id}`, { active: null })).status).toBe(400);
      expect((await as.patch(`/api/products/${p.id}`, {})).body).toMatchObject({
        name: 'Boné',
        priceCents: 4500,
      });
    });

    it('deletes (204), then 404', async () => {
      const { as } = await shop();
      const p = (await as.post('/api/products', { name: 'X' })).body as Product;
      expect((await as.delete(`/api/products/${p.id}`)).status).toBe(204);
      expect((await as.get(`/api/products/${p.id}`)).status).toBe(404);
      expect((await as.delete(`/api/products/${p.id}`)).status).toBe(404);
    });

    it('another account sees 404 for every id route, and never lists it', async () => {
      const a = await shop();
      const b = await shop();
      const p = (await a.as.post('/api/products', { name: 'Segredo da Loja A', sku: 'A-1' })).body as Product;
      expect((await b.as.get(`/api/products/${p.id}`)).status).toBe(404);
      expect((await b.as.patch(`/api/products/${p.id}`, { name: 'roubado' })).status).toBe(404);
      expect((await b.as.delete(`/api/products/${p.id}`)).status).toBe(404);
      expect((await b.as.get('/api/products?q=segredo')).body).toEqual([]);
      expect((await b.as.get('/api/products')).body).toEqual([]);
      const imp = await csv(b.owner, 'sku,price\nA-1,1,00\n');
      expect(imp.body).toMatchObject({ created: 0, updated: 0 }); // A-1 is not b's: a new row needing a name
      expect((await a.as.get(`/api/products/${p.id}`)).body).toMatchObject({
        name: 'Segredo da Loja A',
        priceCents: null,
      });
    });

    it('400 for a malformed id, 401 without a session', async () => {
      const { as } = await shop();
      expect((await as.get('/api/products/not-a-uuid')).status).toBe(400);
      expect((await api(app.baseUrl).get('/api/products')).status).toBe(401);
      expect((await api(app.baseUrl).post('/api/products', { name: 'x' })).status).toBe(401);
    });
  });

  describe('roles', () => {
    it('agents read; owners and admins write; an agent gets 403 forbidden on every write', async () => {
      const { owner, as } = await shop();
      const admin = await addMember(app.baseUrl, owner.cookie, { role: 'admin' });
      const agent = await addMember(app.baseUrl, owner.cookie, { role: 'agent' });
      const p = (await as.post('/api/products', { name: 'Do dono' })).body as Product;
      const byAdmin = await api(app.baseUrl, admin.cookie).post('/api/products', { name: 'Do admin' });
      expect(byAdmin.status).toBe(201);
      const ag = api(app.baseUrl, agent.cookie);
      expect((await ag.get('/api/products')).body).toHaveLength(2);
      expect((await ag.get(`/api/products/${p.id}`)).status).toBe(200);
      for (const r of [
        await ag.post('/api/products', { name: 'x' }),
        await ag.patch(`/api/products/${p.id}`, { name: 'x' }),
        await ag.delete(`/api/products/${p.id}`),
        await csv(agent, 'name\nx\n'),
      ]) {
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe('forbidden');
      }
      expect((await api(app.baseUrl, admin.cookie).delete(`/api/products/${p.id}`)).status).toBe(204);
    });
  });

  describe('list and search', () => {
    let as: ReturnType<typeof api>;
    beforeAll(async () => {
      ({ as } = await shop());
      for (const p of [
        {
          name: 'Tênis de Corrida Ultra',
          sku: 'TEN-001',
          description: 'Leve e confortável',
          priceCents: 29990,
        },
        { name: 'Camiseta Dry-Fit Azul', sku: 'CAM-002', priceCents: 7990 },
        { name: 'Camisetas Básicas (kit 3)', priceCents: 9990 },
        { name: 'Meia esportiva', description: 'Ideal para corrida com tênis', active: false },
        { name: 'Boné Ação', sku: 'BON/77' },
      ]) {
        expect((await as.post('/api/products', p)).status).toBe(201);
      }
    });
    const names = async (query: string) => {
      const r = await as.get(`/api/products${query}`);
      expect(r.status).toBe(200);
      return (r.body as Product[]).map((p) => p.name);
    };

    it('lists newest first', async () => {
      expect(await names('')).toEqual([
        'Boné Ação',
        'Meia esportiva',
        'Camisetas Básicas (kit 3)',
        'Camiseta Dry-Fit Azul',
        'Tênis de Corrida Ultra',
      ]);
    });

    it.each([
      ['tenis', ['Meia esportiva', 'Tênis de Corrida Ultra']],
      ['TÊNIS', ['Meia esportiva', 'Tênis de Corrida Ultra']],
      ['Tên', ['Meia esportiva', 'Tênis de Corrida Ultra']],
      ['cami', ['Camisetas Básicas (kit 3)', 'Camiseta Dry-Fit Azul']],
      ['camisetas', ['Camisetas Básicas (kit 3)', 'Camiseta Dry-Fit Azul']],
      ['basica', ['Camisetas Básicas (kit 3)']],
      ['azul cami', ['Camiseta Dry-Fit Azul']],
      ['dry fit', ['Camiseta Dry-Fit Azul']],
      ['confortavel', ['Tênis de Corrida Ultra']],
      ['acao', ['Boné Ação']],
      ['ten-001', ['Tênis de Corrida Ultra']],
      ['cam-0', ['Camiseta Dry-Fit Azul']],
      ['bon/77', ['Boné Ação']],
      ['de', ['Tênis de Corrida Ultra']],
      ['tênis para corrida', ['Meia esportiva', 'Tênis de Corrida Ultra']],
      ['chinelo', []],
      ["'); drop table products; --", []],
      ['xq & yq | !zq :*', []],
    ])('q=%s → %j', async (q, expected) => {
      expect(await names(`?q=${encodeURIComponent(q)}`)).toEqual(expected);
    });

    it('filters by active', async () => {
      expect(await names('?active=false')).toEqual(['Meia esportiva']);
      expect(await names('?active=true&q=tenis')).toEqual(['Tênis de Corrida Ultra']);
      expect((await as.get('/api/products?active=maybe')).status).toBe(400);
    });

    it('pages with limit and before (a product id, exact even for same-time rows; or a timestamp)', async () => {
      const all = (await as.get('/api/products')).body as Product[];
      const first = (await as.get('/api/products?limit=2')).body as Product[];
      expect(first.map((p) => p.id)).toEqual(all.slice(0, 2).map((p) => p.id));
      const next = (await as.get(`/api/products?limit=2&before=${first[1]!.id}`)).body as Product[];
      expect(next.map((p) => p.id)).toEqual(all.slice(2, 4).map((p) => p.id));
      const byTime = (await as.get(`/api/products?before=${encodeURIComponent(all[0]!.createdAt)}`))
        .body as Product[];
      expect(byTime.length).toBeLessThan(all.length);
      expect((await as.get('/api/products?limit=0')).status).toBe(400);
      expect((await as.get('/api/products?limit=201')).status).toBe(400);
      expect((await as.get('/api/products?before=yesterday')).status).toBe(400);
    });

    it('pages through the rows of one import without skipping any, last file line first', async () => {
      const other = await shop();
      const rows = Array.from({ length: 7 }, (_, i) => `P${i},SKU${i}`).join('\n');
      expect((await csv(other.owner, `name,sku\n${rows}\n`)).body).toMatchObject({ created: 7 });
      const seen: string[] = [];
      let before = '';
      for (;;) {
        const page = (await other.as.get(`/api/products?limit=3${before}`)).body as Product[];
        if (page.length === 0) break;
        seen.push(...page.map((p) => p.name));
        before = `&before=${page.at(-1)!.id}`;
      }
      expect(seen).toEqual(['P6', 'P5', 'P4', 'P3', 'P2', 'P1', 'P0']);
    });
  });

  describe('CSV import', () => {
    it('imports a Brazilian Excel export: `;`, quoted fields with `;`, commas and newlines, R$ prices', async () => {
      const { owner, as } = await shop();
      const file = [
        'Nome;Descrição;Preço;SKU;Ativo;Imagem',
        'Tênis Ultra;"Leve; macio, e\nrespirável";R$ 1.299,90;TEN-1;sim;https://cdn.example.com/t.png',
        'Camiseta;"Algodão ""premium""";79,90;CAM-1;não;',
        'Boné;;129.90;;;',
      ].join('\r\n');
      const r = await csv(owner, `\uFEFF${file}\r\n`);
      expect(r).toEqual({ status: 200, body: { created: 3, updated: 0, errors: [] } });
      const list = (await as.get('/api/products')).body as Product[];
      expect(list.map((p) => [p.name, p.description, p.priceCents, p.sku, p.active, p.imageUrl])).toEqual(
        expect.arrayContaining([
          [
            'Tênis Ultra',
            'Leve; macio, e\nrespirável',
            129990,
            'TEN-1',
            true,
            'https://cdn.example.com/t.png',
          ],
          ['Camiseta', 'Algodão "premium"', 7990, 'CAM-1', false, null],
          ['Boné', null, 12990, null, true, null],
        ]),
      );
    });

    it('reports bad rows by line, imports the good ones, and a known sku updates only the named columns', async () => {
      const { owner, as } = await shop();
      const existing = (
        await as.post('/api/products', { name: 'Tênis', sku: 'T1', priceCents: 100, description: 'fica' })
      ).body;
      const file = [
        'name,price,sku,currency', //                               line 1
        'Tênis novo nome,"1.299,90",T1,', //                        line 2: updates T1
        '"Camiseta, azul",abc,C1,BRL', //                           line 3: bad price
        '"Meia', //                                                  line 4–5: a quoted newline
        'soquete",10,M1,usd',
        ',,,', //                                                    line 6: blank row, skipped
        ',5,,', //                                                   line 7: no name
        'Chapéu,5,M1,', //                                           line 8: sku repeats line 4
        `${'x'.repeat(201)},1,,`, //                                 line 9: name too long
        'Óculos,-3,,', //                                            line 10: negative
        'Bolsa,10,,ZZZ', //                                          line 11: unknown currency
        '',
        'Cinto,"R$ 59,00",,', //                                     line 13 (after a blank line)
      ].join('\n');
      const r = await csv(owner, file);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        created: 2,
        updated: 1,
        errors: [
          { line: 3, message: expect.stringMatching(/^price "abc"/) },
          { line: 7, message: 'name is required' },
          { line: 8, message: 'sku "M1" repeats line 4' },
          { line: 9, message: expect.stringMatching(/^name:/) },
          { line: 10, message: expect.stringMatching(/negative/) },
          { line: 11, message: expect.stringMatching(/^currency:/) },
        ],
      });
      const updated = (await as.get(`/api/products/${existing.id}`)).body;
      expect(updated).toMatchObject({
        name: 'Tênis novo nome',
        priceCents: 129990,
        description: 'fica',
        currency: 'BRL',
      });
      const names = ((await as.get('/api/products')).body as Product[]).map(
        (p) => `${p.name}|${p.currency}|${p.priceCents}`,
      );
      expect(names.sort()).toEqual([
        'Cinto|BRL|5900',
        'Meia\nsoquete|USD|1000',
        'Tênis novo nome|BRL|129990',
      ]);
    });

    it('a sku-only file updates prices; a new sku without a name is reported', async () => {
      const { owner, as } = await shop();
      await as.post('/api/products', { name: 'A', sku: 'A1', priceCents: 1 });
      const r = await csv(owner, 'sku;preço\nA1;2,50\nB9;3\n');
      expect(r.body).toEqual({
        created: 0,
        updated: 1,
        errors: [{ line: 3, message: expect.stringMatching(/name is required/) }],
      });
      expect(((await as.get('/api/products')).body as Product[])[0]).toMatchObject({
        name: 'A',
        priceCents: 250,
      });
    });

    it('reports unknown columns on line 1 and ignores them; reads tab-separated and Windows-1252 files', async () => {
      const { owner, as } = await shop();
      const r = await csv(owner, 'name,estoque,price\nLuva,3,10\n');
      expect(r.body).toEqual({
        created: 1,
        updated: 0,
        errors: [{ line: 1, message: expect.stringMatching(/unknown column "estoque"/) }],
      });
      expect((await csv(owner, 'name\tprice\nCaneca\t12,5\n')).body).toMatchObject({
        created: 1,
        errors: [],
      });
      const latin1 = Buffer.from('nome;preço\nCalção;R$ 49,90\n', 'latin1');
      expect((await csv(owner, latin1)).body).toMatchObject({ created: 1, errors: [] });
      const names = ((await as.get('/api/products')).body as Product[]).map((p) => [p.name, p.priceCents]);
      expect(names).toEqual([
        ['Calção', 4990],
        ['Caneca', 1250],
        ['Luva', 1000],
      ]);
    });

    it.each([
      ['', 400, 'validation_failed'],
      ['price,description\n1,x\n', 400, 'validation_failed'],
      ['name,nome\na,b\n', 400, 'validation_failed'],
      ['name\n"never closed\n', 400, 'validation_failed'],
    ])('file %j → %i %s', async (text, status, code) => {
      const { owner } = await shop();
      const r = await csv(owner, text);
      expect(r.status).toBe(status);
      expect(r.body.error.code).toBe(code);
    });

    it('415 for a body that is not CSV, 413 past the row limit; nothing lands then', async () => {
      const { owner, as } = await shop();
      expect((await csv(owner, '{"name":"x"}', 'application/json')).status).toBe(415);
      expect((await csv(owner, 'name\nx\n', 'application/x-www-form-urlencoded')).status).toBe(415);
      const big = `name\n${'p\n'.repeat(10_001)}`;
      const r = await csv(owner, big);
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('payload_too_large');
      expect((await as.get('/api/products')).body).toEqual([]);
    });
  });

  describe('app.match_products (the AI prompt)', () => {
    let accountId: string;
    let otherId: string;
    const products = () => new ProductsService({ db });
    beforeAll(async () => {
      const a = await shop();
      const b = await shop();
      accountId = a.owner.account.id;
      otherId = b.owner.account.id;
      for (const p of [
        {
          name: 'Tênis de Corrida Ultra',
          description: 'Amortecimento para longas distâncias',
          priceCents: 29990,
        },
        { name: 'Camiseta Dry-Fit Azul', priceCents: 7990 },
        { name: 'Garrafa térmica', description: 'Mantém gelado por 24h' },
        { name: 'Meia de corrida', active: false },
      ]) {
        await a.as.post('/api/products', p);
      }
      await b.as.post('/api/products', { name: 'Tênis da outra loja', priceCents: 1 });
    });
    const match = async (text: string, limit?: number, acc = accountId) =>
      (await products().match(acc, text, limit)).map((p: MatchedProduct) => p.name);

    it('ranks the account’s active products against the customer’s words, accent-insensitive', async () => {
      expect(await match('oi, vocês têm tenis pra corrida?')).toEqual(['Tênis de Corrida Ultra']);
      expect((await match('quanto custa a camiseta azul e a garrafa?')).slice(0, 2).sort()).toEqual([
        'Camiseta Dry-Fit Azul',
        'Garrafa térmica',
      ]);
      expect(await match('CAMISETAS')).toEqual(['Camiseta Dry-Fit Azul']);
      expect(await match('preciso de algo que mantenha gelado')).toEqual(['Garrafa térmica']);
    });

    it('catches a misspelt product name by trigrams', async () => {
      expect(await match('vcs tem a camizeta dri fit azul?')).toContain('Camiseta Dry-Fit Azul');
    });

    it('never returns inactive products or another account’s', async () => {
      const all = await match('meia tênis outra loja corrida', 50);
      expect(all).not.toContain('Meia de corrida');
      expect(all).not.toContain('Tênis da outra loja');
      expect(await match('tênis', 8, otherId)).toEqual(['Tênis da outra loja']);
    });

    it('is deterministic, honours the limit, and falls back to the catalogue when nothing matches', async () => {
      const text = 'tenis camiseta garrafa';
      const first = await products().match(accountId, text, 8);
      expect(first.every((p) => p.matched && p.score > 0)).toBe(true);
      expect(await products().match(accountId, text, 8)).toEqual(first);
      expect(await match(text, 1)).toHaveLength(1);
      const none = await products().match(accountId, 'bom dia!', 8);
      expect(none.map((p) => [p.name, p.matched])).toEqual([
        ['Camiseta Dry-Fit Azul', false],
        ['Garrafa térmica', false],
        ['Tênis de Corrida Ultra', false],
      ]);
      expect(await products().match(accountId, '', 8)).toHaveLength(3);
    });
  });
});
