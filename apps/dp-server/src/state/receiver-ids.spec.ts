// Receiver ids are never handed out twice, also across a crash, without a save per id: they come
// from blocks whose end is on disk before the first id of the block is handed out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlakyDisk } from '../testing/flaky-disk';
import { RECEIVER_ID_BLOCK, StateStore } from './store';

describe('receiver ids', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cp-dp-ids-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const take = async (store: StateStore, n: number): Promise<number[]> => {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      await store.receiverIdsReady();
      ids.push(store.allocateReceiverId());
    }
    return ids;
  };

  it('are unique across a crash (nothing flushed) and a restart, with one write per block', async () => {
    const disk = new FlakyDisk();
    const first = (await StateStore.open(dir, {}, { writer: disk, database: { kind: 'pglite', dataDir: dir } })).store;
    const before = disk.asyncWrites;
    const ids = await take(first, RECEIVER_ID_BLOCK * 2 + 10);
    // Two blocks and a bit: about one write per block (the next is saved when half is used).
    expect(disk.asyncWrites - before).toBeLessThanOrEqual(4);
    await first.close(); // a crash: whatever is saved now is what the next start reads
    const second = (await StateStore.open(dir)).store;
    const next = await take(second, 5);
    await second.close();
    expect(Math.min(...next)).toBeGreaterThan(Math.max(...ids));
    expect(new Set([...ids, ...next]).size).toBe(ids.length + next.length);
  }, 60_000);

  it('are refused (DP_STORAGE_FULL) when no block can be saved, and come back with the disk', async () => {
    const disk = new FlakyDisk();
    const { store } = await StateStore.open(dir, {}, { writer: disk, database: { kind: 'memory' } });
    disk.full = true;
    await expect(store.receiverIdsReady()).rejects.toMatchObject({ code: 'DP_STORAGE_FULL' });
    expect(() => store.allocateReceiverId()).toThrow(expect.objectContaining({ code: 'DP_STORAGE_FULL' }));
    disk.full = false;
    await store.receiverIdsReady();
    expect(store.allocateReceiverId()).toBe(1);
    await store.close();
  }, 60_000);
});
