import type { EvolutionHealth } from '@atende/shared';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/ports/db.port.js';
import { HealthService } from '../../src/services/health.service.js';

const evolution = (status: EvolutionHealth['status']) => ({
  current: async (): Promise<EvolutionHealth> => ({
    status,
    version: '2.3.6',
    simulated: false,
    message: `evolution ${status}`,
    checkedAt: '',
  }),
});

describe(HealthService.name, () => {
  it('answers 503 unavailable with details.draining once shutdown began, and says draining', async () => {
    const db = { driver: 'postgres', ping: async () => undefined } as unknown as Db;
    const sut = new HealthService({ db });
    await expect(sut.ready()).resolves.toMatchObject({ database: 'postgres' });
    expect(sut.draining).toBe(false);
    sut.beginDrain();
    expect(sut.draining).toBe(true);
    await expect(sut.ready()).rejects.toMatchObject({ code: 'unavailable', status: 503, details: { draining: true } });
  });

  it('runs onDatabaseRecovered once when the database answers again after a failed probe', async () => {
    let up = true;
    const db = {
      driver: 'pglite',
      ping: async () => (up ? undefined : Promise.reject(new Error('down'))),
    } as unknown as Db;
    let recovered = 0;
    const sut = new HealthService({ db, evolution: evolution('ok'), onDatabaseRecovered: () => recovered++ });
    await sut.ready();
    up = false;
    await expect(sut.ready()).rejects.toMatchObject({ code: 'unavailable' });
    await expect(sut.ready()).rejects.toMatchObject({ code: 'unavailable' });
    up = true;
    await expect(sut.ready()).resolves.toMatchObject({ database: 'pglite', evolution: { status: 'ok' } });
    await sut.ready();
    expect(recovered).toBe(1);
  });

  it('fails readiness for an Evolution configuration fault, not for an unreachable Evolution', async () => {
    const db = { driver: 'pglite', ping: async () => undefined } as unknown as Db;
    await expect(
      new HealthService({ db, evolution: evolution('key_rejected') }).ready(),
    ).rejects.toMatchObject({
      code: 'unavailable',
      message: 'evolution key_rejected',
      details: { evolution: { status: 'key_rejected' } },
    });
    await expect(
      new HealthService({ db, evolution: evolution('unreachable') }).ready(),
    ).resolves.toMatchObject({
      evolution: { status: 'unreachable' },
    });
  });
});
