import { sql } from 'kysely';
import { decide } from '../../deployments/decide';
import { CollectionQueries } from '../collection-queries';
import { DeploymentQueries } from '../deployment-queries';
import type { DpStore } from '../dp-store';
import { MachineQueries } from '../machine-queries';

/**
 * The agent's machine index (machine-index.ts) on every backend: every write through the store
 * changes the next answer of a machine that was already answered from memory. One row per write
 * method; the last test fails when a query class gains a method that is in no row and not listed
 * as a read, so a new write cannot skip the index unnoticed.
 */

const A1 = '52:54:00:00:1a:01';
const A2 = '02:00:00:00:1a:02';
const t0 = new Date('2026-12-01T10:00:00Z');
const t1 = new Date(t0.getTime() + 60_000);

type Answer = string;

interface Case {
  /** `class.method`, as the guard below finds it. */
  write: string;
  /** Before the first answer: machine a (MAC A1) exists; collection picked and required deployment tools on it exist. */
  setup?: (s: DpStore) => Promise<void>;
  change: (s: DpStore) => Promise<void>;
  before: Answer;
  after: Answer;
  /** What the agent reports after the write (default: A1 only, as before it). */
  afterMacs?: string[];
}

const member = (s: DpStore) => s.collections.addMember('picked', 'a').then(() => undefined);
const doneOnA = async (s: DpStore) => {
  const [d, m] = [await s.deployments.get('tools'), await s.machines.get('a')];
  await s.deployments.markDone(d.id, m.id, t0);
};

const CASES: Case[] = [
  { write: 'CollectionQueries.addMember', change: member, before: 'a nothing', after: 'a deploy tools' },
  { write: 'CollectionQueries.removeMember', setup: member, change: (s) => s.collections.removeMember('picked', 'a').then(() => undefined), before: 'a deploy tools', after: 'a nothing' },
  { write: 'DeploymentQueries.markDone', setup: member, change: doneOnA, before: 'a deploy tools', after: 'a nothing' },
  {
    write: 'DeploymentQueries.rerun',
    setup: async (s) => (await member(s), await doneOnA(s)),
    change: (s) => s.deployments.rerun('tools', 'a').then(() => undefined),
    before: 'a nothing',
    after: 'a deploy tools',
  },
  {
    write: 'DeploymentQueries.rerun (every machine)',
    setup: async (s) => (await member(s), await doneOnA(s)),
    change: (s) => s.deployments.rerun('tools').then(() => undefined),
    before: 'a nothing',
    after: 'a deploy tools',
  },
  { write: 'DeploymentQueries.remove', setup: member, change: (s) => s.deployments.remove('tools'), before: 'a deploy tools', after: 'a nothing' },
  {
    write: 'DeploymentQueries.add',
    setup: (s) => s.collections.add('by-name', [{ kind: 'name', glob: 'a' }], t0).then(() => undefined),
    change: (s) => s.deployments.add({ name: 'named', image: 'n.img', collection: 'by-name' }, t0).then(() => undefined),
    before: 'a nothing',
    after: 'a deploy named',
  },
  {
    write: 'CollectionQueries.setRules',
    setup: async (s) => {
      await s.collections.add('by-name', [{ kind: 'name', glob: 'x*' }], t0);
      await s.deployments.add({ name: 'named', image: 'n.img', collection: 'by-name' }, t0);
    },
    change: (s) => s.collections.setRules('by-name', [{ kind: 'name', glob: 'a*' }]).then(() => undefined),
    before: 'a nothing',
    after: 'a deploy named',
  },
  {
    // Refused while a deployment targets it, so no answer can show it: the answer stays, and the
    // row checks that the removal leaves the index consistent (the machine is still answered).
    write: 'CollectionQueries.remove',
    setup: async (s) => {
      await s.collections.add('gone', [], t0);
      await s.collections.addMember('gone', 'a');
    },
    change: (s) => s.collections.remove('gone'),
    before: 'a nothing',
    after: 'a nothing',
  },
  {
    // A collection with no deployment changes no answer; added here to be covered.
    write: 'CollectionQueries.add',
    change: (s) => s.collections.add('new', [{ kind: 'unknown' }], t0).then(() => undefined),
    before: 'a nothing',
    after: 'a nothing',
  },
  {
    write: 'MachineQueries.rename',
    setup: async (s) => {
      await s.collections.add('lab', [{ kind: 'name', glob: 'lab-*' }], t0);
      await s.deployments.add({ name: 'lab-image', image: 'l.img', collection: 'lab' }, t0);
    },
    change: (s) => s.machines.rename('a', 'lab-a').then(() => undefined),
    before: 'a nothing',
    after: 'lab-a deploy lab-image',
  },
  { write: 'MachineQueries.remove', change: (s) => s.machines.remove('a'), before: 'a nothing', after: 'unknown-525400001a01 nothing' },
  {
    // The machine registered itself (its first answer): the "unknown machines" rule gives it the
    // welcome deployment until an operator approves it.
    write: 'MachineQueries.approve',
    setup: async (s) => {
      await s.machines.remove('a');
      await s.collections.add('newcomers', [{ kind: 'unknown' }], t0);
      await s.deployments.add({ name: 'welcome', image: 'w.img', collection: 'newcomers' }, t0);
    },
    change: (s) => s.machines.approve('unknown-525400001a01').then(() => undefined),
    before: 'unknown-525400001a01 deploy welcome',
    after: 'unknown-525400001a01 nothing',
  },
  {
    // The report route (and refresh, boot) record a second NIC: a mac-prefix rule on it matches
    // the machine even when it next asks with its first NIC alone.
    write: 'MachineQueries.recordSeen',
    setup: async (s) => {
      await s.collections.add('nic2', [{ kind: 'mac-prefix', prefix: '02:00:00' }], t0);
      await s.deployments.add({ name: 'nic2-image', image: 'n.img', collection: 'nic2' }, t0);
    },
    change: (s) => s.machines.recordSeen({ macs: [A1, A2] }, t1).then(() => undefined),
    before: 'a nothing',
    after: 'a deploy nic2-image',
  },
  {
    // A machine added after the index was filled is answered as it is (from SQL, then installed).
    write: 'MachineQueries.add',
    change: async (s) => {
      await s.machines.add({ name: 'b', macs: [A2] }, t0);
      await s.collections.addMember('picked', 'b');
    },
    before: 'a nothing',
    after: 'b deploy tools',
    afterMacs: [A2],
  },
  {
    write: 'MachineQueries.importAll',
    change: async (s) => {
      await s.machines.importAll([{ name: 'c', macs: [A2] }], t0);
      await s.collections.addMember('picked', 'c');
    },
    before: 'a nothing',
    after: 'c deploy tools',
    afterMacs: [A2],
  },
  { write: 'DpStore.raw', setup: member, change: (s) => s.raw(sql`delete from collection_members`).then(() => undefined), before: 'a deploy tools', after: 'a nothing' },
];

/** Methods of the query classes that write nothing the agent's answer reads. */
const READS = new Set([
  'MachineQueries.get',
  'MachineQueries.list',
  'MachineQueries.nameForMacs',
  'MachineQueries.forMacs',
  'CollectionQueries.get',
  'CollectionQueries.list',
  'DeploymentQueries.get',
  'DeploymentQueries.list',
  'DeploymentQueries.targetedFor',
  'DeploymentQueries.targetingAll',
]);

export function describeIndexContract(backend: string, open: () => Promise<DpStore>, truncate: (s: DpStore) => Promise<void>): void {
  describe(`the agent's machine index on ${backend}: a write through the store changes the next answer`, () => {
    let store: DpStore;
    beforeAll(async () => {
      store = await open();
    }, 180_000);
    afterAll(async () => {
      await store?.close();
    });
    beforeEach(async () => {
      await truncate(store);
    });

    async function answer(macs: string[], at: Date): Promise<Answer> {
      const seen = await store.assignment.forAgent({ macs }, at);
      if (!seen.machine || !('targeted' in seen)) return `conflict ${JSON.stringify(seen.match)}`;
      const d = decide(seen.machine, seen.targeted, at);
      return `${seen.machine.name} ${d.action}${d.action === 'deploy' ? ` ${d.deployment}` : ''}`;
    }

    it.each(CASES)('$write: $before -> $after', async (c) => {
      await store.machines.add({ name: 'a', macs: [A1] }, t0);
      await store.collections.add('picked', [], t0);
      await store.deployments.add({ name: 'tools', image: 'tools.img', collection: 'picked' }, t0);
      await c.setup?.(store);
      await store.assignment.warm();
      expect(await answer([A1], t0)).toBe(c.before);
      // Answered from memory now (the same answer twice), then the write.
      expect(await answer([A1], t0)).toBe(c.before);
      await c.change(store);
      const macs = c.afterMacs ?? [A1];
      expect(await answer(macs, t1)).toBe(c.after);
      // The index holds what SQL holds: a fresh fill answers the same.
      await store.raw(sql`select 1`);
      expect(await answer(macs, t1)).toBe(c.after);
    });

    it('keeps the facts an agent reported: a model rule matches on the next request that does not report it', async () => {
      await store.machines.add({ name: 'a', macs: [A1] }, t0);
      await store.collections.add('by-model', [{ kind: 'model', glob: 'OptiPlex*' }], t0);
      await store.deployments.add({ name: 'dell', image: 'd.img', collection: 'by-model', purpose: 'available' }, t0);
      await store.assignment.warm();
      const available = async (model?: string) => {
        const seen = await store.assignment.forAgent({ macs: [A1], ...(model ? { model } : {}) }, t1);
        if (!seen.machine || !('targeted' in seen)) throw new Error('expected a machine');
        const d = decide(seen.machine, seen.targeted, t1);
        return d.action === 'nothing' ? d.available : [];
      };
      expect(await available()).toEqual([]);
      expect(await available('OptiPlex 7090')).toEqual(['dell']);
      expect(await available()).toEqual(['dell']);
    });

    it('has a row for every method of the query classes that is not a read', () => {
      const methods = [MachineQueries, CollectionQueries, DeploymentQueries].flatMap((k) =>
        Object.getOwnPropertyNames(k.prototype)
          .filter((m) => m !== 'constructor' && typeof (k.prototype as unknown as Record<string, unknown>)[m] === 'function')
          .map((m) => `${k.name}.${m}`),
      );
      const covered = new Set(CASES.map((c) => c.write.split(' ')[0]));
      // Private helpers are on the prototype too: the ones a public write calls are covered by it.
      const helpers = new Set(['MachineQueries.recordSeenTx', 'MachineQueries.change', 'MachineQueries.changeTx', 'DeploymentQueries.loadTargeting', 'DeploymentQueries.withCollection']);
      expect(methods.filter((m) => !READS.has(m) && !covered.has(m) && !helpers.has(m))).toEqual([]);
    });
  });
}
