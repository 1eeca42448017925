import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { AssignmentQueries } from './assignment-queries';
import { DeploymentQueries } from './deployment-queries';
import { MachineIndex } from './machine-index';
import { MachineQueries } from './machine-queries';
import { openDatabase } from './open';
import { SeenBatch, type FlushTimer } from './seen-batch';
import { TargetingCache } from './targeting-cache';
import { CollectionQueries } from './collection-queries';

/** Counts the statements sent to the database. */
class StatementCounter implements KyselyPlugin {
  statements = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.statements++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** A flush timer that runs only when the test says so. */
function manualTimer() {
  const due: Array<() => void> = [];
  const timer: FlushTimer = { schedule: (run) => (due.push(run), { cancel: () => due.splice(due.indexOf(run), 1) }) };
  return { timer, due };
}

describe('AssignmentQueries and SeenBatch (PGlite in memory)', () => {
  const t0 = new Date('2026-12-01T10:00:00Z');

  it('answers a known machine with no statement at all once the index is filled, a machine added since with one read; the batch writes every observation in one statement when its timer runs', async () => {
    const db = await openDatabase({ kind: 'memory' });
    try {
      const counter = new StatementCounter();
      const counted = db.withPlugin(counter);
      const { timer, due } = manualTimer();
      const seen = new SeenBatch(counted, timer, 2000);
      const cache = new TargetingCache();
      const index = new MachineIndex();
      const machines = new MachineQueries(counted, seen, index);
      const deployments = new DeploymentQueries(counted, cache, index);
      const assignment = new AssignmentQueries(counted, machines, deployments, seen, index);
      await machines.importAll([1, 2].map((i) => ({ name: `m${i}`, macs: [`52:54:00:00:0d:0${i}`] })), t0);
      await new CollectionQueries(counted, cache, index).add('all', [{ kind: 'name', glob: 'm*' }], t0);
      await deployments.add({ name: 'win11', image: 'win11.img', collection: 'all' }, t0);
      await deployments.targetingAll();
      const beforeFill = counter.statements;
      await assignment.warm();
      expect(counter.statements - beforeFill).toBe(1);
      expect(index.size).toBe(2);
      // Added after the fill: not in the index, so its first answer reads it (one statement).
      await machines.add({ name: 'm3', macs: ['52:54:00:00:0d:03'] }, t0);

      const ask = async (i: number) => {
        const before = counter.statements;
        const r = await assignment.forAgent({ macs: [`52:54:00:00:0d:0${i}`], model: 'KVM', ip: '10.0.0.1' }, new Date(t0.getTime() + i * 1000));
        expect(r.machine).toMatchObject({ name: `m${i}`, model: 'KVM' });
        return counter.statements - before;
      };
      expect([await ask(1), await ask(2), await ask(3)]).toEqual([0, 0, 1]);
      expect(await ask(3)).toBe(0);
      // One timer for the three, nothing written yet.
      expect(due).toHaveLength(1);
      expect(seen.size).toBe(3);
      const unwritten = await db.selectFrom('machines').select(['name', 'last_seen', 'model']).orderBy('name').execute();
      expect(unwritten.map((r) => r.last_seen)).toEqual([null, null, null]);

      const beforeFlush = counter.statements;
      due[0]?.();
      await seen.flush();
      expect(counter.statements - beforeFlush).toBe(1);
      const written = await db.selectFrom('machines').select(['name', 'last_seen', 'first_seen', 'model', 'last_ip']).orderBy('name').execute();
      expect(written).toEqual([1, 2, 3].map((i) => ({ name: `m${i}`, last_seen: new Date(t0.getTime() + i * 1000), first_seen: new Date(t0.getTime() + i * 1000), model: 'KVM', last_ip: '10.0.0.1' })));
      expect(seen.size).toBe(0);
    } finally {
      await db.destroy();
    }
  }, 180_000);

  it('writes a large batch in slices of SEEN_SLICE_ROWS rows, letting waiting work run between two (PGlite holds the event loop while a statement runs)', async () => {
    const db = await openDatabase({ kind: 'memory' });
    try {
      const counter = new StatementCounter();
      const counted = db.withPlugin(counter);
      const { timer } = manualTimer();
      const seen = new SeenBatch(counted, timer, 2000, 50);
      const machines = new MachineQueries(counted, seen);
      const added = await machines.importAll(Array.from({ length: 120 }, (_, i) => ({ name: `s${i}`, macs: [`52:54:00:00:0e:${i.toString(16).padStart(2, '0')}`] })), t0);
      for (const m of added) seen.note(m.id, { at: t0, ip: '10.0.0.2', serial: null, vendor: null, model: 'KVM' });
      const before = counter.statements;
      let whenOtherRan = -1;
      const flushed = seen.flush();
      // Queued now, like an answer waiting behind the flush: it must run before the last slice.
      setImmediate(() => (whenOtherRan = counter.statements - before));
      await flushed;
      expect(counter.statements - before).toBe(3);
      expect(whenOtherRan).toBeGreaterThanOrEqual(0);
      expect(whenOtherRan).toBeLessThan(3);
      const rows = await db.selectFrom('machines').select(['last_seen', 'model']).execute();
      expect(rows.filter((r) => r.last_seen?.getTime() === t0.getTime() && r.model === 'KVM')).toHaveLength(120);
    } finally {
      await db.destroy();
    }
  }, 180_000);
});
