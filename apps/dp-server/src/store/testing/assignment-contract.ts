import { sql } from 'kysely';
import { decide } from '../../deployments/decide';
import type { DpStore } from '../dp-store';

/**
 * The agent's request path (AssignmentQueries) on every backend: one read for a known machine,
 * its observations batched (SeenBatch) yet never lost to a reader, and everything that changes
 * identity written at once.
 */
export function describeAssignmentContract(backend: string, open: () => Promise<DpStore>, truncate: (s: DpStore) => Promise<void>): void {
  describe(`the agent's request path on ${backend}`, () => {
    let store: DpStore;
    const t0 = new Date('2026-12-01T10:00:00Z');
    const t1 = new Date(t0.getTime() + 60_000);

    beforeAll(async () => {
      store = await open();
    }, 180_000);
    afterAll(async () => {
      await store?.close();
    });
    beforeEach(async () => {
      await truncate(store);
    });

    /** The row as stored (DpStore.raw writes the batch first, as every read of machines does). */
    async function storedRow(name: string) {
      const rows = await store.raw(sql<{ last_seen: Date | null; first_seen: Date | null; model: string | null; last_ip: string | null }>`select last_seen, first_seen, model, last_ip from machines where name = ${name}`);
      return rows[0];
    }

    it('answers a known machine from one read and writes its last-seen, IP and model in the batch, which every read of machines sees', async () => {
      const a = await store.machines.add({ name: 'a', macs: ['52:54:00:00:0a:01'] }, t0);
      await store.collections.add('by-model', [{ kind: 'model', glob: 'OptiPlex*' }], t0);
      await store.deployments.add({ name: 'win11', image: 'win11.img', collection: 'by-model' }, t0);
      const seen = await store.assignment.forAgent({ macs: ['52-54-00-00-0A-01'], model: 'OptiPlex 7090', ip: '10.0.0.7' }, t1);
      expect(seen.machine).toMatchObject({ id: a.id, name: 'a', model: 'OptiPlex 7090', lastIp: '10.0.0.7', firstSeen: t1, lastSeen: t1 });
      // The model just reported already counts for the decision.
      if (!seen.machine || !('targeted' in seen)) throw new Error('expected a machine');
      expect(decide(seen.machine, seen.targeted, t1)).toMatchObject({ action: 'deploy', deployment: 'win11' });
      // machines.get flushes first: the operator sees what the agent reported.
      expect(await store.machines.get('a')).toMatchObject({ model: 'OptiPlex 7090', lastIp: '10.0.0.7', firstSeen: t1, lastSeen: t1 });
      expect((await store.machines.list()).machines[0]).toMatchObject({ lastSeen: t1 });
      expect(await storedRow('a')).toMatchObject({ model: 'OptiPlex 7090', last_ip: '10.0.0.7', first_seen: t1, last_seen: t1 });
    });

    it('keeps the newest observation: an older one after a newer write changes nothing but a missing first-seen', async () => {
      await store.machines.add({ name: 'a', macs: ['52:54:00:00:0b:01'] }, t0);
      // A new NIC is an identity change: written at once, with its time.
      const t2 = new Date(t1.getTime() + 60_000);
      const nic = await store.assignment.forAgent({ macs: ['52:54:00:00:0b:01', '52:54:00:00:0b:02'], ip: '10.0.0.9' }, t2);
      expect(nic.match).toMatchObject({ kind: 'match', newMacs: ['52:54:00:00:0b:02'] });
      expect(await storedRow('a')).toMatchObject({ last_ip: '10.0.0.9', last_seen: t2 });
      // A request dated earlier (answered before, batched after) does not roll it back.
      await store.assignment.forAgent({ macs: ['52:54:00:00:0b:01'], ip: '10.0.0.8' }, t1);
      await store.flushSeen();
      expect(await storedRow('a')).toMatchObject({ last_ip: '10.0.0.9', last_seen: t2, first_seen: t2 });
    });

    it('registers an unknown machine at once, gives its static memberships and done list, and refuses MACs of two machines', async () => {
      const fresh = await store.assignment.forAgent({ macs: ['52:54:00:00:0c:09'] }, t0);
      expect(fresh).toMatchObject({ match: { kind: 'new' }, machine: { name: 'unknown-525400000c09', state: 'unknown', lastSeen: t0 } });
      expect((await store.machines.list()).machines.map((m) => m.name)).toEqual(['unknown-525400000c09']);
      const b = await store.machines.add({ name: 'b', macs: ['52:54:00:00:0c:02'] }, t0);
      await store.collections.add('picked', [], t0);
      await store.collections.addMember('picked', 'b');
      const d = await store.deployments.add({ name: 'tools', image: 'tools.img', collection: 'picked' }, t0);
      const ask = async () => {
        const s = await store.assignment.forAgent({ macs: ['52:54:00:00:0c:02'] }, t1);
        if (!s.machine || !('targeted' in s)) throw new Error('expected a machine');
        return decide(s.machine, s.targeted, t1).action;
      };
      expect(await ask()).toBe('deploy');
      await store.deployments.markDone(d.id, b.id, t1);
      expect(await ask()).toBe('nothing');
      const both = await store.assignment.forAgent({ macs: ['52:54:00:00:0c:02', '52:54:00:00:0c:09'] }, t1);
      expect(both).toMatchObject({ match: { kind: 'conflict' }, machine: null });
    });
  });
}
