import calculateSlot from 'cluster-key-slot';
import { EventEmitter } from 'node:events';
import type { Cluster } from 'ioredis';
import { onSlotOwnerChange } from './slot-owner-changes';

/** Just what onSlotOwnerChange reads of a Cluster client: its slot map and 'refresh'. */
function fakeCluster(): EventEmitter & { slots: string[][] } {
  const cluster = Object.assign(new EventEmitter(), { slots: [] as string[][] });
  for (let slot = 0; slot < 16384; slot++) cluster.slots[slot] = [slot < 8192 ? 'a:1' : 'b:1', 'replica:1'];
  return cluster;
}

describe('onSlotOwnerChange', () => {
  const keys = Array.from({ length: 20 }, (_, i) => `{event:${i + 1}}:free`);
  const low = keys.find((k) => calculateSlot(k) < 8192)!;
  const high = keys.find((k) => calculateSlot(k) >= 8192)!;

  it('reports the slots a new master took over, and only those, once', () => {
    const cluster = fakeCluster();
    const seen: ((key: string) => boolean)[] = [];
    onSlotOwnerChange(cluster as unknown as Cluster, (moved) => seen.push(moved));
    cluster.emit('refresh');
    cluster.emit('refresh');
    expect(seen).toHaveLength(0);
    for (let slot = 8192; slot < 16384; slot++) cluster.slots[slot] = ['replica:1'];
    cluster.emit('refresh');
    cluster.emit('refresh');
    expect(seen).toHaveLength(1);
    expect(seen[0](high)).toBe(true);
    expect(seen[0](low)).toBe(false);
  });

  it('says nothing while slots are unserved (a map read mid-failover), then reports the master that serves them', () => {
    const cluster = fakeCluster();
    const seen: ((key: string) => boolean)[] = [];
    const stop = onSlotOwnerChange(cluster as unknown as Cluster, (moved) => seen.push(moved));
    cluster.emit('refresh');
    for (let slot = 8192; slot < 16384; slot++) cluster.slots[slot] = [];
    cluster.emit('refresh');
    expect(seen).toHaveLength(0);
    for (let slot = 8192; slot < 16384; slot++) cluster.slots[slot] = ['replica:1'];
    cluster.emit('refresh');
    expect(seen).toHaveLength(1);
    expect(seen[0](high)).toBe(true);
    stop();
    for (let slot = 8192; slot < 16384; slot++) cluster.slots[slot] = ['b:1'];
    cluster.emit('refresh');
    expect(seen).toHaveLength(1);
  });
});
