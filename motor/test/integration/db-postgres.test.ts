import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DatabaseStartError } from '../../src/adapters/db/database-start.error.js';
import { createPostgresDb, type PostgresDb } from '../../src/adapters/db/postgres/postgres.driver.js';
import { loadMigrations } from '../../src/adapters/db/migrations.js';
import { errorHandler } from '../../src/http/middleware/error.middleware.js';
import { healthRoutes } from '../../src/http/routes/health.routes.js';
import { HealthService } from '../../src/services/health.service.js';
import type { Db } from '../../src/ports/db.port.js';
import { describeDbContract } from '../support/db-suite.js';
import {
  TEST_PG_ADMIN_URL,
  createEmptyPostgresDatabase,
  createPostgresTestDb,
  pgUrlFor,
  postgresUnavailable,
  type PostgresTestDb,
} from '../support/postgres-test-db.js';
import { startTcpProxy, type TcpProxy } from '../support/postgres-proxy.js';
import { describeWithService } from '../support/requires-service.js';
import { testLogger } from '../support/silent-logger.js';

const down = await postgresUnavailable();

describeWithService(down, 'PostgreSQL 15', () => {
  describeDbContract('PostgreSQL', () => createPostgresTestDb());
});

describeWithService(down, 'Postgres migrations at start-up', () => {
  let target: Awaited<ReturnType<typeof createEmptyPostgresDatabase>>;
  const dbs: PostgresDb[] = [];
  beforeAll(async () => {
    target = await createEmptyPostgresDatabase();
  });
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.close()));
    await target.drop();
  });

  it('lets three processes migrate one fresh database at once: all start, each migration applied once', async () => {
    const all = (await loadMigrations()).map((m) => m.name);
    const started = await Promise.all([1, 2, 3].map(() => createPostgresDb({ url: target.url, max: 2 })));
    dbs.push(...started);
    const applied = started.flatMap((d) => d.applied);
    expect(applied.sort()).toEqual([...all].sort()); // every migration by exactly one of them
    for (const d of started) await expect(d.call('ping')).resolves.toMatchObject({ ok: true });
  });

  it('applies nothing when the database is already up to date', async () => {
    const again = await createPostgresDb({ url: target.url, max: 1 });
    dbs.push(again);
    expect(again.applied).toEqual([]);
  });

  it('fails with the migration name, and records nothing, when a migration is broken', async () => {
    const { mkdtemp, writeFile, cp } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'atende-bad-mig-'));
    const { DEFAULT_MIGRATIONS_DIR } = await import('../../src/adapters/db/migrations.js');
    await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    await writeFile(
      path.join(dir, '29991231000000_broken.sql'),
      'create table public.half_done(x int);\nselect * from nowhere;',
    );
    await expect(createPostgresDb({ url: target.url, migrationsDir: dir, max: 1 })).rejects.toThrow(
      /29991231000000_broken\.sql failed/,
    );
    const check = await createPostgresDb({ url: target.url, max: 1, migrate: false });
    dbs.push(check);
    // the broken migration's first statement was rolled back with it
    await expect(check.call('ping')).resolves.toMatchObject({ ok: true });
  });
});

describeWithService(down, 'Postgres driver: bad DATABASE_URL at start-up', () => {
  it('names the database when it does not exist, within seconds', async () => {
    const t0 = Date.now();
    const err = await createPostgresDb({ url: pgUrlFor('atende_no_such_db') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseStartError);
    expect((err as Error).message).toMatch(/atende_no_such_db.*does not exist/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('fails fast on a port nobody listens on', async () => {
    const t0 = Date.now();
    const err = await createPostgresDb({ url: 'postgres://u:secret@127.0.0.1:1/x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseStartError);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect((err as Error).message).not.toMatch(/secret/); // the password never reaches the console
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('times out (connect_timeout) on a server that accepts and never answers, instead of hanging', async () => {
    const silent = net.createServer(() => {}); // accepts TCP, never speaks the Postgres protocol
    const sockets = new Set<net.Socket>();
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const t0 = Date.now();
    const err = await createPostgresDb({
      url: `postgres://u@127.0.0.1:${port}/x`,
      connectTimeoutSeconds: 1,
    }).catch((e: unknown) => e);
    for (const s of sockets) s.destroy();
    silent.close();
    expect(err).toBeInstanceOf(DatabaseStartError);
    expect((err as Error).message).toMatch(/timed out/);
    expect(Date.now() - t0).toBeLessThan(9000);
  });
});

describeWithService(down, 'Postgres driver: the database goes away mid-run', () => {
  let base: PostgresTestDb;
  let proxy: TcpProxy;
  let db: Db;
  let server: http.Server;
  let readyz: () => Promise<number>;

  beforeAll(async () => {
    base = await createPostgresTestDb({ max: 1 });
    const admin = new URL(TEST_PG_ADMIN_URL);
    proxy = await startTcpProxy({ host: admin.hostname, port: Number(admin.port || 5432) });
    const viaProxy = new URL(base.url);
    viaProxy.port = String(proxy.port);
    db = await createPostgresDb({ url: viaProxy.toString(), max: 3, connectTimeoutSeconds: 2 });
    const app = new Koa();
    app.use(errorHandler(testLogger));
    const health = healthRoutes({ health: new HealthService({ db }) });
    app.use(health.routes());
    server = http.createServer(app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
    readyz = async () => (await fetch(url)).status;
  });
  afterAll(async () => {
    server?.close();
    await db?.close().catch(() => {});
    await proxy?.close();
    await base?.close();
  });

  it('answers 503 unavailable quickly while the database is gone, and 200 again when it is back', async () => {
    await expect(db.call('ping')).resolves.toMatchObject({ ok: true });
    expect(await readyz()).toBe(200);

    await proxy.cut();
    const t0 = Date.now();
    await expect(db.call('ping')).rejects.toMatchObject({ code: 'unavailable', status: 503 });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await readyz()).toBe(503);

    await proxy.restore();
    await expect(db.call('ping')).resolves.toMatchObject({ ok: true });
    expect(await readyz()).toBe(200);
  });

  it('survives the server killing its connections (pg_terminate_backend): unavailable at worst, then recovers', async () => {
    await db.call('ping');
    await base.call('ping'); // the admin-side connection, not through the proxy
    const postgres = (await import('postgres')).default;
    const sql = postgres(TEST_PG_ADMIN_URL, { max: 1, onnotice: () => {} });
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
              where datname = ${base.database} and pid <> pg_backend_pid()`;
    await sql.end();

    const first = await db.call('ping').then(
      () => 'ok',
      (e: { code: string }) => e.code,
    );
    expect(['ok', 'unavailable']).toContain(first);
    await expect(db.call('ping')).resolves.toMatchObject({ ok: true });
  });
});
