import { MachineIndex, observed, type IndexedMachine, type MachineRow } from './machine-index';

const t0 = new Date('2026-12-01T10:00:00Z');

function machine(id: number, macs: string[], extra: Partial<MachineRow> = {}): IndexedMachine {
  const row: MachineRow = { id, name: `m${id}`, state: 'known', uuid: null, serial: null, vendor: null, model: null, last_ip: null, first_seen: null, last_seen: null, created_at: t0, ...extra };
  return { row, macs, memberOf: new Set(), done: new Set() };
}

/** A read the test resolves by hand, so that writes can happen while it is in flight. */
function pendingRead() {
  let resolve!: (rows: IndexedMachine[]) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<IndexedMachine[]>((res, rej) => ((resolve = res), (reject = rej)));
  return { read: () => promise, resolve, reject };
}

describe('MachineIndex', () => {
  it('finds a machine only when it holds every MAC reported', () => {
    const ix = new MachineIndex();
    ix.install(machine(1, ['a1', 'a2']), ix.ticket());
    ix.install(machine(2, ['b1']), ix.ticket());
    expect(ix.find(['a1'])?.row.id).toBe(1);
    expect(ix.find(['a2', 'a1'])?.row.id).toBe(1);
    // A MAC it does not know (a new NIC, or a machine not read yet), or MACs of two machines: ask SQL.
    expect(ix.find(['a1', 'x9'])).toBeUndefined();
    expect(ix.find(['a1', 'b1'])).toBeUndefined();
    expect(ix.find([])).toBeUndefined();
  });

  it('does not install a read that began before a write to that machine, and installs others', () => {
    const ix = new MachineIndex();
    const ticket = ix.ticket();
    ix.forget(1);
    expect(ix.install(machine(1, ['a1']), ticket)).toBe(false);
    expect(ix.install(machine(2, ['b1']), ticket)).toBe(true);
    expect(ix.find(['a1'])).toBeUndefined();
    // Read again after the write: installed.
    expect(ix.install(machine(1, ['a1']), ix.ticket())).toBe(true);
  });

  it('forgets a machine with its MACs, and every machine a wide write touched, and every read begun before that', () => {
    const ix = new MachineIndex();
    ix.install({ ...machine(1, ['a1']), memberOf: new Set([7]) }, ix.ticket());
    ix.install(machine(2, ['b1']), ix.ticket());
    const before = ix.ticket();
    ix.forgetWhere((m) => m.memberOf.has(7));
    expect(ix.find(['a1'])).toBeUndefined();
    expect(ix.find(['b1'])?.row.id).toBe(2);
    expect(ix.install(machine(3, ['c1']), before)).toBe(false);
    ix.forget(2);
    expect(ix.find(['b1'])).toBeUndefined();
    expect(ix.size).toBe(0);
  });

  it('drops an older entry that holds a MAC a newer read gives another machine', () => {
    const ix = new MachineIndex();
    ix.install(machine(1, ['a1', 'a2']), ix.ticket());
    ix.install(machine(2, ['a2']), ix.ticket());
    expect(ix.find(['a1'])).toBeUndefined();
    expect(ix.find(['a2'])?.row.id).toBe(2);
  });

  it('fills once; a machine written during the fill is left out, the rest go in', async () => {
    const ix = new MachineIndex();
    const r = pendingRead();
    const fill = ix.load(r.read);
    expect(ix.load(() => Promise.reject(new Error('a second fill must not start')))).toBe(fill);
    ix.forget(1);
    r.resolve([machine(1, ['a1']), machine(2, ['b1'])]);
    await fill;
    expect(ix.loaded).toBe(true);
    expect(ix.find(['a1'])).toBeUndefined();
    expect(ix.find(['b1'])?.row.id).toBe(2);
    await ix.load(() => Promise.reject(new Error('filled: no read')));
  });

  it('throws a fill away when everything was invalidated during it, and fills again next time', async () => {
    const ix = new MachineIndex();
    const r = pendingRead();
    const fill = ix.load(r.read);
    ix.forgetWhere(() => true);
    r.resolve([machine(1, ['a1'])]);
    await fill;
    expect(ix.loaded).toBe(false);
    expect(ix.size).toBe(0);
    await ix.load(async () => [machine(1, ['a1'])]);
    expect(ix.find(['a1'])?.row.id).toBe(1);
    ix.forgetAll();
    expect(ix.loaded).toBe(false);
    expect(ix.size).toBe(0);
  });

  it('stays empty after a failed fill, and the next fill reads again', async () => {
    const ix = new MachineIndex();
    const r = pendingRead();
    const fill = ix.load(r.read);
    r.reject(new Error('database gone'));
    await expect(fill).rejects.toThrow('database gone');
    expect(ix.loaded).toBe(false);
    await ix.load(async () => [machine(1, ['a1'])]);
    expect(ix.loaded).toBe(true);
  });

  it('bounds its record of forgotten machines: past the limit every older read is stale', () => {
    const ix = new MachineIndex();
    const before = ix.ticket();
    for (let id = 1000; id < 1000 + 5000; id++) ix.forget(id);
    // Machine 1 was never forgotten, but its read began before the record was dropped.
    expect(ix.install(machine(1, ['a1']), before)).toBe(false);
    expect(ix.install(machine(1, ['a1']), ix.ticket())).toBe(true);
  });
});

describe('observed', () => {
  const row = machine(1, ['a1'], { last_seen: t0, model: 'Old', last_ip: '10.0.0.1' }).row;
  const later = new Date(t0.getTime() + 1000);
  const earlier = new Date(t0.getTime() - 1000);

  it('takes a newer observation, keeping what it does not report, and sets first-seen once', () => {
    expect(observed(row, { at: later, ip: null, serial: 'S1', vendor: null, model: 'New' })).toMatchObject({ last_seen: later, first_seen: later, model: 'New', serial: 'S1', last_ip: '10.0.0.1' });
  });

  it('ignores an older one but for a missing first-seen, as the batch UPDATE does', () => {
    expect(observed(row, { at: earlier, ip: '10.9.9.9', serial: null, vendor: null, model: 'Older' })).toMatchObject({ last_seen: t0, first_seen: earlier, model: 'Old', last_ip: '10.0.0.1' });
  });
});
