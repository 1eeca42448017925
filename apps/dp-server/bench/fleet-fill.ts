// The bench's data: 10,000 machines (one MAC each), 100 collections of a name-glob rule and 20
// static members, 50 deployments (half required, half available), written through the store.
import type { CollectionRule } from '../src/deployments/model';
import type { DpStore } from '../src/store/dp-store';

export interface FleetSize {
  machines: number;
  collections: number;
  deployments: number;
}

export const mac = (i: number): string => `52:54:${[(i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;

export async function fillFleet(store: DpStore, size: FleetSize): Promise<void> {
  const t0 = new Date('2026-12-01T00:00:00Z');
  const name = (i: number) => `m${String(i).padStart(5, '0')}`;
  for (let from = 0; from < size.machines; from += 1000) {
    const rows = Array.from({ length: Math.min(1000, size.machines - from) }, (_, k) => ({ name: name(from + k), macs: [mac(from + k)] }));
    await store.machines.importAll(rows, t0);
  }
  for (let c = 0; c < size.collections; c++) {
    // A rule matching 1 machine in 100, and 20 static members.
    const rules: CollectionRule[] = [{ kind: 'name', glob: `m*${String(c).padStart(2, '0')}` }];
    await store.collections.add(`c${c}`, rules, t0);
    for (let k = 0; k < 20; k++) await store.collections.addMember(`c${c}`, name((c * 97 + k * 131) % size.machines));
  }
  for (let d = 0; d < size.deployments; d++) {
    await store.deployments.add({ name: `d${d}`, image: `img${d % 5}`, collection: `c${(d * 2) % size.collections}`, purpose: d % 2 === 0 ? 'required' : 'available' }, t0);
  }
}
