import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/adapters/db/create-db.js';
import { DatabaseStartError } from '../../src/adapters/db/database-start.error.js';
import type { PgliteDb } from '../../src/adapters/db/pglite/pglite.driver.js';
import {
  createSupabaseDb,
  mapPostgrestError,
  type SupabaseDb,
} from '../../src/adapters/db/supabase/supabase.driver.js';
import { errorHandler } from '../../src/http/middleware/error.middleware.js';
import { healthRoutes } from '../../src/http/routes/health.routes.js';
import { HealthService } from '../../src/services/health.service.js';
import { createAccount } from '../support/factories.js';
import { startPostgrestServer, type PostgrestServer } from '../support/postgrest-server.js';
import { testLogger } from '../support/silent-logger.js';
import { createTestDb } from '../support/test-db.js';

describe('Supabase driver (real supabase-js against the PostgREST fake)', () => {
  let inner: PgliteDb;
  let rest: PostgrestServer;
  let sut: SupabaseDb;
  beforeAll(async () => {
    inner = await createTestDb();
    rest = await startPostgrestServer({ db: inner });
    sut = await createSupabaseDb({ url: rest.url, serviceRoleKey: rest.serviceRoleKey, timeoutMs: 2000 });
  });
  afterAll(async () => {
    await sut?.close();
    await rest?.close();
    await inner?.close();
  });

  it('calls POST /rest/v1/rpc/<fn> on schema app with the service key and p_-named args', async () => {
    const { accountId } = await createAccount(sut);
    rest.requests.length = 0;
    await sut.call('events_after', { accountId, after: 0, limit: undefined });
    expect(rest.requests).toHaveLength(1);
    const [req] = rest.requests;
    expect(req).toMatchObject({
      method: 'POST',
      path: '/rest/v1/rpc/events_after',
      body: { p_account_id: accountId, p_after: 0 },
    });
    expect(req!.headers['content-profile']).toBe('app');
    expect(req!.headers.apikey).toBe(rest.serviceRoleKey);
    expect(req!.headers.authorization).toBe(`Bearer ${rest.serviceRoleKey}`);
    expect(Object.keys(req!.body as object)).not.toContain('p_limit'); // undefined → the SQL default
  });

  it('is what createDb picks for a supabase config', async () => {
    const db = await createDb({ driver: 'supabase', url: rest.url, serviceRoleKey: rest.serviceRoleKey });
    try {
      expect(db.driver).toBe('supabase');
      await expect(db.call('ping')).resolves.toMatchObject({ ok: true });
    } finally {
      await db.close();
    }
  });

  it('is unavailable (503) while PostgREST cannot reach Postgres, and recovers; /readyz follows', async () => {
    const app = new Koa();
    app.use(errorHandler(testLogger));
    app.use(healthRoutes({ health: new HealthService({ db: sut }) }).routes());
    const server = http.createServer(app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const readyz = async () =>
      (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`)).status;
    try {
      expect(await readyz()).toBe(200);
      rest.mode = 'db-down';
      await expect(sut.call('ping')).rejects.toMatchObject({ code: 'unavailable', status: 503 });
      expect(await readyz()).toBe(503);
      rest.mode = 'reset'; // the connection drops mid-request
      await expect(sut.call('ping')).rejects.toMatchObject({ code: 'unavailable' });
      rest.mode = 'up';
      await expect(sut.call('ping')).resolves.toMatchObject({ ok: true });
      expect(await readyz()).toBe(200);
    } finally {
      rest.mode = 'up';
      server.close();
    }
  });

  it('is unavailable when Supabase does not answer within the timeout', async () => {
    const stuck = net.createServer(() => {}); // accepts, never answers
    await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(stuck.address() as AddressInfo).port}`;
    const t0 = Date.now();
    const err = await createSupabaseDb({ url, serviceRoleKey: 'k', timeoutMs: 300 }).catch((e: unknown) => e);
    stuck.close();
    expect(err).toBeInstanceOf(DatabaseStartError);
    expect(((err as Error).cause as { code: string }).code).toBe('unavailable');
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe('Supabase driver start-up failures', () => {
  let inner: PgliteDb;
  beforeAll(async () => {
    inner = await createTestDb();
  });
  afterAll(() => inner?.close());

  it('says to expose schema "app" when the API does not', async () => {
    const rest = await startPostgrestServer({ db: inner, exposedSchemas: ['public', 'graphql_public'] });
    try {
      await expect(createSupabaseDb({ url: rest.url, serviceRoleKey: rest.serviceRoleKey })).rejects.toThrow(
        /does not expose schema "app".*config\.toml/,
      );
    } finally {
      await rest.close();
    }
  });

  it('names a wrong service-role key', async () => {
    const rest = await startPostgrestServer({ db: inner });
    try {
      await expect(createSupabaseDb({ url: rest.url, serviceRoleKey: 'wrong' })).rejects.toThrow(
        /Invalid API key/,
      );
    } finally {
      await rest.close();
    }
  });

  it('fails fast, naming the URL, when nothing listens there', async () => {
    const t0 = Date.now();
    const err = await createSupabaseDb({ url: 'http://127.0.0.1:1', serviceRoleKey: 'k' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseStartError);
    expect((err as Error).message).toContain('http://127.0.0.1:1');
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe(mapPostgrestError.name, () => {
  it.each([
    [{ code: 'AT404', message: 'account not found' }, 400, 'not_found'],
    [{ code: 'AT409', message: 'taken' }, 400, 'conflict'],
    [{ code: '23505', message: 'duplicate key' }, 409, 'conflict'],
    [{ code: '22P02', message: 'invalid input syntax for type uuid' }, 400, 'validation_failed'],
    [{ code: 'PGRST202', message: 'Could not find the function' }, 404, 'internal'],
    [{ code: 'PGRST000', message: 'Database connection error' }, 503, 'unavailable'],
    [{ code: 'PGRST106', message: 'Invalid schema' }, 406, 'internal'],
    [{ code: '42501', message: 'permission denied' }, 403, 'internal'],
    [{ code: '', message: 'FetchError: fetch failed' }, 0, 'unavailable'],
    [{ code: '', message: 'Bad gateway' }, 502, 'unavailable'],
    [{ code: '57P01', message: 'terminating connection' }, 500, 'unavailable'],
  ])('%o with status %i → %s', (error, status, code) => {
    const e = mapPostgrestError(error, status, 'fn');
    expect(e.code).toBe(code);
    expect((e.cause as Error).message).toContain(`status ${status}`);
  });

  it('keeps our own AT messages for the client, and the hint for the logs', () => {
    const e = mapPostgrestError({ code: 'AT404', message: 'conversation not found', hint: 'h' }, 400, 'fn');
    expect(e.message).toBe('conversation not found');
    expect((e.cause as { hint: string }).hint).toBe('h');
  });
});
