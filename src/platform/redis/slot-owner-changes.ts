import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';

const SLOTS = 16384;

/**
 * Calls `listener` each time the cluster client's slot map shows slots served
 * by another master than before: a replica promoted after a failover, or a
 * resharding. `moved(key)` tells whether the key's slot is among them. The
 * client re-reads the map every second and after every MOVED, and emits
 * 'refresh' each time; comparing the owner of each slot is cheap. Returns the
 * unsubscribe function.
 */
export function onSlotOwnerChange(cluster: Cluster, listener: (moved: (key: string) => boolean) => void): () => void {
  // The last master seen per slot; a slot unserved mid-failover keeps its former owner, so
  // the replica that takes it over is seen as a change once it serves it.
  let owners: string[] | undefined;
  const onRefresh = () => {
    const before = owners;
    const current = Array.from({ length: SLOTS }, (_, slot) => cluster.slots[slot]?.[0] || before?.[slot] || '');
    owners = current;
    if (!before) return;
    const changed = new Set<number>();
    for (let slot = 0; slot < SLOTS; slot++) if (before[slot] && current[slot] !== before[slot]) changed.add(slot);
    if (changed.size > 0) listener((key) => changed.has(calculateSlot(key)));
  };
  cluster.on('refresh', onRefresh);
  return () => cluster.off('refresh', onRefresh);
}
