import type { DurableEvent, Instance, InstanceQrPayload } from '@atende/shared';
import type { Api } from '$lib/api';

export interface QrState {
  qrCode: string;
  pairingCode: string | null;
  /** When this code arrived (ms): WhatsApp replaces it after QR_LIFETIME_MS. */
  receivedAt: number;
}

/** Evolution/Baileys rotate the QR (and pairing code) about every 45 s. */
export const QR_LIFETIME_MS = 45_000;

/**
 * The account's WhatsApp numbers and their live QR codes. `instance.updated` (durable) changes
 * status; `instance.qr` (ephemeral) replaces the QR image; REST seeds both.
 */
export class InstancesStore {
  items = $state.raw<Instance[]>([]);
  loaded = $state(false);
  /** Latest QR per instance name (cleared once connected). */
  qr = $state.raw<Record<string, QrState>>({});

  readonly #api: Pick<Api, 'instances'>;
  /** Bumped by every live change, so a slower REST answer never overwrites it. */
  #version = 0;

  constructor(api: Pick<Api, 'instances'>) {
    this.#api = api;
  }

  /** The number shown in the shell: connected first, else the most recently changed. */
  get primary(): Instance | null {
    return this.items.find((i) => i.status === 'connected') ?? this.items[0] ?? null;
  }

  byName(name: string): Instance | undefined {
    return this.items.find((i) => i.name === name);
  }

  async load(): Promise<void> {
    const list = await this.#api.instances.list();
    this.items = list;
    this.loaded = true;
  }

  /**
   * Reads the current QR over REST (for a number being connected). `fresh`: right after an explicit
   * connect, the answer replaces the QR shown (and restarts its countdown).
   */
  async refreshStatus(name: string, opts: { fresh?: boolean } = {}): Promise<void> {
    const version = this.#version;
    const s = await this.#api.instances.status(name);
    if (version !== this.#version) return;
    const inst = this.byName(name);
    if (inst) this.upsert({ ...inst, status: s.status, phoneNumber: s.phoneNumber ?? inst.phoneNumber });
    if (s.qrCode && s.status === 'connecting' && (opts.fresh || !this.qr[name]))
      this.qr = {
        ...this.qr,
        [name]: { qrCode: s.qrCode, pairingCode: s.pairingCode ?? null, receivedAt: Date.now() },
      };
  }

  /** A number removed for good leaves the list (and its QR). */
  remove(id: string): void {
    const gone = this.items.find((i) => i.id === id);
    this.items = this.items.filter((i) => i.id !== id);
    if (gone && this.qr[gone.name]) {
      const { [gone.name]: _, ...rest } = this.qr;
      this.qr = rest;
    }
  }

  upsert(inst: Instance): void {
    const at = this.items.findIndex((i) => i.id === inst.id);
    this.items =
      at === -1 ? [...this.items, inst] : this.items.map((i, k) => (k === at ? { ...i, ...inst } : i));
    if (inst.status !== 'connecting' && this.qr[inst.name]) {
      const { [inst.name]: _, ...rest } = this.qr;
      this.qr = rest;
    }
  }

  apply(e: DurableEvent): void {
    if (e.type !== 'instance.updated') return;
    this.#version++;
    const i = e.data.instance;
    if (i.removed) return this.remove(i.id);
    const prev = this.items.find((x) => x.id === i.id);
    this.upsert({ ...(prev ?? { updatedAt: e.at }), ...i, updatedAt: e.at });
  }

  applyQr(p: InstanceQrPayload): void {
    this.#version++;
    this.qr = {
      ...this.qr,
      [p.instanceName]: { qrCode: p.qrCode, pairingCode: p.pairingCode, receivedAt: Date.now() },
    };
    const inst = this.items.find((x) => x.id === p.instanceId || x.name === p.instanceName);
    if (inst && inst.status !== 'connecting') this.upsert({ ...inst, status: 'connecting', reason: null });
  }

  clear(): void {
    this.items = [];
    this.qr = {};
    this.loaded = false;
  }
}
