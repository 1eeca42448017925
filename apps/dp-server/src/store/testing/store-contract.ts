import { sql } from 'kysely';
import { decide } from '../../deployments/decide';
import { isCastpointError } from '@castpoint/wire';
import type { DpStore } from '../dp-store';

/**
 * One suite every backend of the store passes (PGlite and PostgreSQL), so "the same queries on
 * both" is checked rather than assumed. Each test starts from empty tables.
 */
export function describeStoreContract(backend: string, open: () => Promise<DpStore>, truncate: (s: DpStore) => Promise<void>): void {
  describe(`DpStore on ${backend}`, () => {
    let store: DpStore;
    const t0 = new Date('2026-12-01T10:00:00Z');

    beforeAll(async () => {
      store = await open();
    }, 180_000);
    afterAll(async () => {
      await store?.close();
    });
    beforeEach(async () => {
      await truncate(store);
    });

    async function code(p: Promise<unknown>): Promise<{ code: string; message: string; data: unknown }> {
      try {
        await p;
      } catch (err) {
        if (isCastpointError(err)) return { code: err.code, message: err.message, data: err.data };
        throw err;
      }
      throw new Error('expected a typed error');
    }

    it('adds machines with one spelling of each MAC and refuses a taken MAC, UUID or name, naming the owner', async () => {
      const a = await store.machines.add({ name: 'lab-01', macs: ['52-54-00-AA-00-01'], uuid: '4C4C4544-0000-1111-2222-333344445555' }, t0);
      expect(a).toMatchObject({ name: 'lab-01', state: 'known', macs: ['52:54:00:aa:00:01'], uuid: '4c4c4544-0000-1111-2222-333344445555' });
      const mac = await code(store.machines.add({ name: 'lab-02', macs: ['52:54:00:aa:00:01'] }, t0));
      expect(mac).toMatchObject({ code: 'DP_IDENTIFIER_TAKEN', data: { owner: 'lab-01' } });
      expect(mac.message).toBe('MAC 52:54:00:aa:00:01 already belongs to machine lab-01');
      const uuid = await code(store.machines.add({ name: 'lab-02', macs: ['52:54:00:aa:00:02'], uuid: '4c4c4544-0000-1111-2222-333344445555' }, t0));
      expect(uuid).toMatchObject({ code: 'DP_IDENTIFIER_TAKEN', data: { owner: 'lab-01' } });
      expect((await code(store.machines.add({ name: 'lab-01', macs: ['52:54:00:aa:00:09'] }, t0))).code).toBe('DP_MACHINE_EXISTS');
      // Placeholder UUIDs identify nothing, so two machines may carry one.
      const zero = '00000000-0000-0000-0000-000000000000';
      await store.machines.add({ name: 'p1', macs: ['52:54:00:aa:00:03'], uuid: zero }, t0);
      await store.machines.add({ name: 'p2', macs: ['52:54:00:aa:00:04'], uuid: zero }, t0);
      // A refused add left nothing behind.
      expect((await store.machines.list()).machines.map((m) => m.name)).toEqual(['lab-01', 'p1', 'p2']);
      expect((await code(store.machines.add({ name: 'x', macs: ['not-a-mac'] }, t0))).code).toBe('DP_BAD_MAC');
    });

    it('imports all rows or none', async () => {
      await store.machines.add({ name: 'taken', macs: ['52:54:00:00:00:09'] }, t0);
      const err = await code(
        store.machines.importAll(
          [
            { name: 'a', macs: ['52:54:00:00:00:01'] },
            { name: 'b', macs: ['52:54:00:00:00:09'] },
          ],
          t0,
        ),
      );
      expect(err).toMatchObject({ code: 'DP_IDENTIFIER_TAKEN', data: { owner: 'taken' } });
      expect((await store.machines.list()).machines.map((m) => m.name)).toEqual(['taken']);
      const added = await store.machines.importAll([{ name: 'a', macs: ['52:54:00:00:00:01'] }], t0);
      expect(added.map((m) => m.name)).toEqual(['a']);
    });

    it('pages the machine listing by id', async () => {
      await store.machines.importAll(Array.from({ length: 25 }, (_, i) => ({ name: `m${String(i).padStart(2, '0')}`, macs: [`52:54:00:00:01:${i.toString(16).padStart(2, '0')}`] })), t0);
      const p1 = await store.machines.list({ limit: 10 });
      const p2 = await store.machines.list({ limit: 10, after: p1.next ?? -1 });
      const p3 = await store.machines.list({ limit: 10, after: p2.next ?? -1 });
      expect([p1, p2, p3].map((p) => p.machines.length)).toEqual([10, 10, 5]);
      expect(p3.next).toBeNull();
      expect(p3.machines[4]?.name).toBe('m24');
      expect(p2.machines[0]?.macs).toEqual(['52:54:00:00:01:0a']);
    });

    it('registers an agent by MAC, never merges two machines on a shared UUID, and refuses MACs of two machines', async () => {
      const uuid = '11111111-2222-3333-4444-555555555555';
      const first = await store.machines.recordSeen({ macs: ['52:54:00:00:02:01'], uuid, model: 'OptiPlex 7090', ip: '10.0.0.5' }, t0);
      expect(first.match.kind).toBe('new');
      expect(first.machine).toMatchObject({ name: 'unknown-525400000201', state: 'unknown', model: 'OptiPlex 7090', lastIp: '10.0.0.5', firstSeen: t0, lastSeen: t0 });
      // Same machine, a second NIC seen for the first time: matched by the first MAC, the new one recorded.
      const t1 = new Date(t0.getTime() + 60_000);
      const again = await store.machines.recordSeen({ macs: ['52:54:00:00:02:01', '52:54:00:00:02:02'] }, t1);
      expect(again.match).toEqual({ kind: 'match', machineId: first.machine?.id, by: 'mac', newMacs: ['52:54:00:00:02:02'] });
      expect(again.machine).toMatchObject({ macs: ['52:54:00:00:02:01', '52:54:00:00:02:02'], model: 'OptiPlex 7090', firstSeen: t0, lastSeen: t1 });
      // Another machine with the same (copied) UUID: a new machine, the shared UUID reported.
      const other = await store.machines.recordSeen({ macs: ['52:54:00:00:03:01'], uuid }, t1);
      expect(other.match).toEqual({ kind: 'new', sharedUuidWith: [first.machine?.id] });
      expect(other.machine?.id).not.toBe(first.machine?.id);
      // MACs of both: a conflict, nothing written.
      const both = await store.machines.recordSeen({ macs: ['52:54:00:00:02:01', '52:54:00:00:03:01'] }, t1);
      expect(both).toEqual({ match: { kind: 'conflict', machineIds: [first.machine?.id, other.machine?.id].sort() }, machine: null });
      expect((await store.machines.list()).machines).toHaveLength(2);
      const attempt = { machineId: first.machine?.id ?? 0, machineName: 'unknown-525400000201', deploymentId: null, deploymentName: 'd', image: 'i', startedAt: t1 };
      await store.history.refused(attempt, 'before the rename');
      const renamed = await store.machines.rename('unknown-525400000201', 'lab-07');
      expect(renamed).toMatchObject({ name: 'lab-07', state: 'known' });
      // The history follows the rename (its rows are found by the name they carry).
      expect((await store.history.list({ machine: 'lab-07' })).map((e) => e.message)).toEqual(['before the rename']);
      expect(await store.history.list({ machine: 'unknown-525400000201' })).toEqual([]);
      const taken = await code(store.machines.rename(other.machine?.id ?? 0, 'lab-07'));
      expect(taken).toMatchObject({ code: 'DP_MACHINE_EXISTS', message: 'a machine named lab-07 already exists (MAC 52:54:00:00:02:01 52:54:00:00:02:02)' });
      expect(await store.machines.approve(other.machine?.id ?? 0)).toMatchObject({ name: 'unknown-525400000301', state: 'known' });
      expect((await store.machines.list({ state: 'unknown' })).machines).toEqual([]);
    });

    it('keeps collections with rules and members, and refuses removing one a deployment targets', async () => {
      await store.machines.add({ name: 'lab-01', macs: ['52:54:00:00:04:01'] }, t0);
      const rules = [{ kind: 'mac-prefix', prefix: '52:54:00' } as const, { kind: 'name', glob: 'lab-*' } as const, { kind: 'unknown' } as const];
      await store.collections.add('lab', rules, t0);
      expect((await code(store.collections.add('lab', [], t0))).code).toBe('DP_COLLECTION_EXISTS');
      const withMember = await store.collections.addMember('lab', 'lab-01');
      await store.collections.addMember('lab', 'lab-01');
      expect(withMember.rules).toEqual(rules);
      expect((await store.collections.get('lab')).members).toHaveLength(1);
      expect((await code(store.collections.addMember('lab', 'nope'))).code).toBe('DP_MACHINE_NOT_FOUND');
      expect((await code(store.collections.addMember('nope', 'lab-01'))).code).toBe('DP_COLLECTION_NOT_FOUND');
      expect((await store.collections.removeMember('lab', 'lab-01')).members).toEqual([]);
      await store.deployments.add({ name: 'win11', image: 'win11.img', collection: 'lab' }, t0);
      const inUse = await code(store.collections.remove('lab'));
      expect(inUse).toMatchObject({ code: 'DP_COLLECTION_IN_USE', data: { deployments: ['win11'] } });
      await store.deployments.remove('win11');
      await store.collections.remove('lab');
      expect(await store.collections.list()).toEqual([]);
    });

    it('validates deployments and names the missing collection', async () => {
      await store.collections.add('lab', [], t0);
      expect((await code(store.deployments.add({ name: 'd', image: 'i', collection: 'nope' }, t0))).message).toBe('no collection nope');
      expect((await code(store.deployments.add({ name: 'd', image: 'i', collection: 'lab', purpose: 'sometimes' as never }, t0))).code).toBe('DP_BAD_DEPLOYMENT');
      expect((await code(store.deployments.add({ name: 'd', image: 'i', collection: 'lab', notBefore: t0, deadline: t0 }, t0))).data).toEqual({ field: 'deadline' });
      expect((await code(store.deployments.add({ name: 'd', image: 'i', collection: 'lab', variables: { 'A-B': 'x' } }, t0))).data).toEqual({ field: 'variables' });
      const d = await store.deployments.add({ name: 'd', image: 'i', collection: 'lab', purpose: 'available', after: 'none', disk: 'serial:S1', script: 'http://dp/post.sh', notBefore: t0, variables: { SITE: 'north' } }, t0);
      expect(d).toMatchObject({ name: 'd', collectionName: 'lab', purpose: 'available', after: 'none', disk: 'serial:S1', notBefore: t0, deadline: null, variables: { SITE: 'north' } });
      expect((await code(store.deployments.add({ name: 'd', image: 'i', collection: 'lab' }, t0))).code).toBe('DP_DEPLOYMENT_EXISTS');
      expect((await code(store.deployments.get('zz'))).code).toBe('DP_DEPLOYMENT_NOT_FOUND');
      // Issue 26: the kind (migration 0003), deploy unless given; a capture keeps its name pattern.
      expect(d.kind).toBe('deploy');
      expect(await store.deployments.add({ name: 'cap', kind: 'capture', image: '{machine}-{date}', collection: 'lab' }, t0)).toMatchObject({ kind: 'capture', image: '{machine}-{date}' });
      expect((await code(store.deployments.add({ name: 'c2', kind: 'clone' as never, image: 'i', collection: 'lab' }, t0))).data).toEqual({ field: 'kind' });
    });

    it('runs a required deployment once per machine until rerun re-arms it (with decide)', async () => {
      const a = await store.machines.add({ name: 'a', macs: ['52:54:00:00:05:01'] }, t0);
      const b = await store.machines.add({ name: 'b', macs: ['52:54:00:00:05:02'] }, t0);
      await store.collections.add('lab', [{ kind: 'mac-prefix', prefix: '52:54:00' }], t0);
      const d = await store.deployments.add({ name: 'win11', image: 'win11.img', collection: 'lab' }, t0);
      expect(decide(a, await store.deployments.targetedFor(a.id), t0)).toMatchObject({ action: 'deploy', image: 'win11.img' });
      await store.deployments.markDone(d.id, a.id, t0);
      await store.deployments.markDone(d.id, b.id, t0);
      expect(decide(a, await store.deployments.targetedFor(a.id), t0).action).toBe('nothing');
      expect(await store.deployments.rerun('win11', 'a')).toBe(1);
      expect(decide(a, await store.deployments.targetedFor(a.id), t0).action).toBe('deploy');
      expect(decide(b, await store.deployments.targetedFor(b.id), t0).action).toBe('nothing');
      expect(await store.deployments.rerun('win11')).toBe(1);
      expect(decide(b, await store.deployments.targetedFor(b.id), t0).action).toBe('deploy');
      expect((await code(store.deployments.rerun('win11', 'zz'))).code).toBe('DP_MACHINE_NOT_FOUND');
    });

    it('targets static members of a rule-less collection, and only them', async () => {
      const a = await store.machines.add({ name: 'a', macs: ['52:54:00:00:08:01'] }, t0);
      const b = await store.machines.add({ name: 'b', macs: ['52:54:00:00:08:02'] }, t0);
      await store.collections.add('picked', [], t0);
      await store.collections.addMember('picked', 'b');
      await store.deployments.add({ name: 'tools', image: 'tools.img', collection: 'picked' }, t0);
      expect(decide(a, await store.deployments.targetedFor(a.id), t0).action).toBe('nothing');
      expect(decide(b, await store.deployments.targetedFor(b.id), t0)).toMatchObject({ action: 'deploy', deployment: 'tools' });
    });

    it('answers the agent from deployments and rules as they are now: adding, removing and rule changes are seen at once', async () => {
      const a = await store.machines.add({ name: 'a', macs: ['52:54:00:00:09:01'] }, t0);
      await store.collections.add('lab', [{ kind: 'name', glob: 'x*' }], t0);
      expect(await store.deployments.targetedFor(a.id)).toEqual([]);
      await store.deployments.add({ name: 'win11', image: 'win11.img', collection: 'lab' }, t0);
      expect(decide(a, await store.deployments.targetedFor(a.id), t0).action).toBe('nothing');
      await store.collections.setRules('lab', [{ kind: 'name', glob: 'a*' }]);
      expect(decide(a, await store.deployments.targetedFor(a.id), t0)).toMatchObject({ action: 'deploy', deployment: 'win11' });
      await store.collections.add('other', [{ kind: 'unknown' }], t0);
      await store.deployments.add({ name: 'apps', image: 'apps.img', collection: 'lab', purpose: 'available' }, t0);
      expect((await store.deployments.targetedFor(a.id)).map((t) => t.deployment.name)).toEqual(['apps', 'win11']);
      await store.deployments.remove('win11');
      expect((await store.deployments.targetedFor(a.id)).map((t) => t.deployment.name)).toEqual(['apps']);
    });

    it('keeps history, refused requests included, and filters it by machine, deployment and time', async () => {
      const m = await store.machines.add({ name: 'a', macs: ['52:54:00:00:06:01'] }, t0);
      const base = { machineId: m.id, machineName: 'a', deploymentId: null, deploymentName: 'win11', image: 'win11.img' };
      const id = await store.history.start({ ...base, startedAt: t0 });
      const t1 = new Date(t0.getTime() + 90_000);
      await store.history.finish(id, { endedAt: t1, result: 'ok', message: 'deployed', exitCode: 0, bytes: 64 * 2 ** 30, transport: 'multicast', repairedSymbols: 12 });
      await store.history.refused({ ...base, machineName: 'b', machineId: null, startedAt: t1 }, 'no disk matches serial:S9', 5);
      const all = await store.history.list();
      expect(all.map((h) => h.result)).toEqual(['refused', 'ok']);
      expect(all[1]).toMatchObject({ bytes: 64 * 2 ** 30, transport: 'multicast', repairedSymbols: 12, exitCode: 0, startedAt: t0, endedAt: t1 });
      expect(all[0]).toMatchObject({ message: 'no disk matches serial:S9', exitCode: 5 });
      expect((await store.history.list({ machine: 'a' })).map((h) => h.id)).toEqual([id]);
      expect(await store.history.list({ deployment: 'other' })).toEqual([]);
      expect((await store.history.list({ since: t1 })).map((h) => h.result)).toEqual(['refused']);
      // Removing the machine keeps its history readable by name.
      await store.machines.remove('a');
      expect((await store.history.list({ machine: 'a' }))[0]).toMatchObject({ machineId: null, machineName: 'a' });
    });
  });
}

/** Empties every table between tests (identities restart so ids are predictable per test). */
export async function truncateAll(store: DpStore): Promise<void> {
  await store.raw(sql`truncate history, deployment_done, deployments, collection_members, collections, machine_macs, machines restart identity cascade`);
}
