import type { DurableEvent, Instance } from '@atende/shared';
import { describe, expect, it, vi } from 'vitest';
import { InstancesStore } from './instances.svelte';

const inst = (p: Partial<Instance> = {}): Instance => ({
  id: '11111111-1111-4111-8111-111111111111',
  name: 'loja',
  status: 'connecting',
  phoneNumber: null,
  profileName: null,
  reason: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...p,
});

const updated = (seq: number, i: Partial<Instance> & { removed?: boolean }): DurableEvent =>
  ({
    seq,
    type: 'instance.updated',
    at: '2026-01-01T00:01:00.000Z',
    data: { instance: { ...inst(), ...i } },
  }) as DurableEvent;

function api(
  status: () => Promise<{ status: Instance['status']; qrCode: string | null; phoneNumber: string | null }>,
) {
  return {
    instances: {
      list: vi.fn(async () => [inst()]),
      status: vi.fn(status),
      connect: vi.fn(),
      disconnect: vi.fn(),
    },
  };
}

describe(InstancesStore.name, () => {
  it('the live QR replaces the previous one, and "connected" clears it with the phone number', async () => {
    const sut = new InstancesStore(
      api(async () => ({
        status: 'connecting',
        qrCode: 'data:image/png;base64,OLD',
        phoneNumber: null,
      })) as never,
    );
    await sut.load();
    await sut.refreshStatus('loja');
    expect(sut.qr.loja?.qrCode).toBe('data:image/png;base64,OLD');
    sut.applyQr({
      instanceId: inst().id,
      instanceName: 'loja',
      qrCode: 'data:image/png;base64,NEW',
      pairingCode: 'ABCD-1234',
    });
    expect(sut.qr.loja).toEqual({
      qrCode: 'data:image/png;base64,NEW',
      pairingCode: 'ABCD-1234',
      receivedAt: expect.any(Number),
    });
    sut.apply(updated(1, { status: 'connected', phoneNumber: '5511999990000' }));
    expect(sut.qr.loja).toBeUndefined();
    expect(sut.primary).toMatchObject({ status: 'connected', phoneNumber: '5511999990000' });
  });

  it('drops a number removed for good (instance.updated removed)', async () => {
    const sut = new InstancesStore(
      api(async () => ({
        status: 'connecting',
        qrCode: 'data:image/png;base64,Q',
        phoneNumber: null,
      })) as never,
    );
    await sut.load();
    await sut.refreshStatus('loja');
    sut.apply(updated(1, { status: 'disconnected', reason: 'closed', removed: true }));
    expect(sut.items).toEqual([]);
    expect(sut.qr.loja).toBeUndefined();
  });

  it('keeps the disconnect reason (e.g. the QR expired)', async () => {
    const sut = new InstancesStore(
      api(async () => ({ status: 'connecting', qrCode: null, phoneNumber: null })) as never,
    );
    await sut.load();
    sut.apply(updated(1, { status: 'disconnected', reason: 'qr_limit_reached' }));
    expect(sut.items[0]).toMatchObject({ status: 'disconnected', reason: 'qr_limit_reached' });
  });

  it('a slow status answer does not roll back a live "connected"', async () => {
    let answer!: (v: {
      status: Instance['status'];
      qrCode: string | null;
      phoneNumber: string | null;
    }) => void;
    const sut = new InstancesStore(api(() => new Promise((r) => (answer = r))) as never);
    await sut.load();
    const pending = sut.refreshStatus('loja');
    sut.apply(updated(1, { status: 'connected', phoneNumber: '5511999990000' }));
    answer({ status: 'connecting', qrCode: 'data:image/png;base64,STALE', phoneNumber: null });
    await pending;
    expect(sut.items[0]!.status).toBe('connected');
    expect(sut.qr.loja).toBeUndefined();
  });
});
