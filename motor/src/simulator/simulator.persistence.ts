import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { newInstance, type SimInstance } from './simulator.state.js';

/** What survives a restart of the simulator, as Evolution keeps instances in its own database. */
interface PersistedInstance {
  id: string;
  name: string;
  token: string;
  integration: string;
  webhook: SimInstance['webhook'];
  wuid: string | null;
  profileName: string | null;
  open: boolean;
  createdAt: string;
}

/**
 * Keeps the simulator's instances in a JSON file so a restarted Motor finds its simulated numbers
 * still paired (Evolution reconnects every stored instance at start-up). QR codes, timers and
 * messages are not kept: a number that was waiting for a scan comes back closed.
 *
 * @example
 *   const store = new SimulatorStore({ file: 'data/simulator.json', logger });
 *   store.load(ctx.instances);
 *   store.save(ctx.instances);
 */
export class SimulatorStore {
  constructor(private readonly opts: { file: string; logger: Logger }) {}

  load(into: Map<string, SimInstance>): void {
    let rows: PersistedInstance[];
    try {
      rows = JSON.parse(readFileSync(this.opts.file, 'utf8')) as PersistedInstance[];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.logger.warn({ err }, 'simulator state unreadable; starting empty');
      return;
    }
    for (const r of Array.isArray(rows) ? rows : []) {
      const inst = newInstance({ id: r.id, name: r.name, token: r.token, integration: r.integration });
      inst.webhook = r.webhook;
      inst.wuid = r.wuid;
      inst.profileName = r.profileName;
      inst.state = r.open && r.wuid ? 'open' : 'close';
      inst.createdAt = r.createdAt;
      into.set(inst.name, inst);
    }
  }

  save(from: ReadonlyMap<string, SimInstance>): void {
    const rows: PersistedInstance[] = [...from.values()].map((i) => ({
      id: i.id,
      name: i.name,
      token: i.token,
      integration: i.integration,
      webhook: i.webhook,
      wuid: i.wuid,
      profileName: i.profileName,
      open: i.state === 'open',
      createdAt: i.createdAt,
    }));
    try {
      mkdirSync(path.dirname(this.opts.file), { recursive: true });
      const tmp = `${this.opts.file}.tmp`;
      writeFileSync(tmp, JSON.stringify(rows), { mode: 0o600 });
      renameSync(tmp, this.opts.file);
    } catch (err) {
      this.opts.logger.warn({ err }, 'could not save the simulator state');
    }
  }
}
