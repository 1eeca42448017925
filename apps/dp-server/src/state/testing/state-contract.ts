import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { StoreLocation } from '../../store/open';
import { IMPORTED_SUFFIX, STATE_FILE } from '../load-state';
import { StateStore } from '../store';
import { HISTORY_LIMIT, type DpState } from '../types';
import { stateFixture } from './state-fixture';

/** What a restart must give back: everything but the epoch (bumped at each start). */
function kept(s: DpState): Omit<DpState, 'epoch'> {
  const { epoch: _epoch, ...rest } = s;
  return JSON.parse(JSON.stringify(rest)) as Omit<DpState, 'epoch'>;
}

/**
 * The DP's state in the SQL store, on each backend: state.json imported once, every change a save
 * makes (additions, changes, removals, the event log's newest HISTORY_LIMIT entries) read back
 * after a restart. `location` gives the database for a data dir; `reset` empties a shared server.
 */
export function describeStateContract(backend: string, location: (dataDir: string) => StoreLocation, reset: () => Promise<void>): void {
  describe(`DP state in SQL on ${backend}`, () => {
    let dir: string;
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cp-dp-sqlstate-'));
      await reset();
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const open = async () => (await StateStore.open(dir, {}, { database: location(dir) })).store;

    it('imports an existing state.json once, sets it aside, and never reads it again', async () => {
      const file = join(dir, STATE_FILE);
      const json = stateFixture();
      writeFileSync(file, JSON.stringify(json));
      const first = await open();
      expect(kept(first.state)).toEqual(kept(json));
      expect(first.state.epoch).toBe(json.epoch + 1);
      await first.close();
      expect(existsSync(file)).toBe(false);
      expect(JSON.parse(readFileSync(file + IMPORTED_SUFFIX, 'utf8'))).toEqual(json);

      const second = await open();
      expect(kept(second.state)).toEqual(kept(json));
      expect(second.state.epoch).toBe(json.epoch + 2);
      await second.close();

      // The same bytes back (the DP stopped between the import's commit and the rename): set aside.
      writeFileSync(file, readFileSync(file + IMPORTED_SUFFIX));
      const third = await open();
      expect(third.state.epoch).toBe(json.epoch + 3);
      await third.close();
      expect(existsSync(file)).toBe(false);

      // Another state.json (put back by hand): refused, the database and the file left as they are.
      const other = { ...json, images: {} };
      writeFileSync(file, JSON.stringify(other));
      await expect(open()).rejects.toMatchObject({ code: 'DP_STATE_CORRUPT', message: expect.stringContaining(`${file} exists, but the DP's state is already in the database`) as unknown });
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(other);
      rmSync(file);
      const fourth = await open();
      expect(Object.keys(fourth.state.images)).toEqual(['win11']);
      expect(fourth.state.epoch).toBe(json.epoch + 4);
      await fourth.close();
    });

    it('keeps every saved change across a restart: additions, changes, removals and the newest events', async () => {
      const store = await open();
      const f = stateFixture();
      Object.assign(store.state.images, f.images, { other: { ...f.images['win11'], name: 'other' } });
      store.state.sessions.push(...f.sessions);
      store.state.clients.push(...f.clients);
      for (let i = 0; i < HISTORY_LIMIT + 10; i++) store.record({ event: 'test', detail: `e${i}` }, new Date(Date.UTC(2026, 11, 1, 0, 0, i)));
      store.save();
      expect(await store.flush()).toBe(true);

      delete store.state.images['other'];
      store.state.clients.splice(0, 1);
      const s = store.state.sessions[0];
      if (!s) throw new Error('no session');
      s.state = 'done';
      s.endedAt = '2026-12-01T02:00:00.000Z';
      const c = store.state.clients[0];
      if (!c) throw new Error('no client');
      c.state = 'done';
      c.progress = 1;
      store.allocateSessionId();
      for (let i = 0; i < 5; i++) store.record({ event: 'later', sessionId: 3, clientId: 1026, image: 'win11', detail: `l${i}` }, new Date(Date.UTC(2026, 11, 2, 0, 0, i)));
      store.save();
      expect(await store.flush()).toBe(true);
      const before = kept(store.state);
      await store.close();

      const again = await open();
      expect(kept(again.state)).toEqual(before);
      expect(again.state.history).toHaveLength(HISTORY_LIMIT);
      expect(again.state.history[0]?.detail).toBe('e15');
      expect(again.state.history.at(-1)).toEqual({ at: '2026-12-02T00:00:04.000Z', event: 'later', sessionId: 3, clientId: 1026, image: 'win11', detail: 'l4' });
      expect(Object.keys(again.state.images)).toEqual(['win11']);
      expect(again.state.clients.map((x) => [x.id, x.state])).toEqual([[1026, 'done']]);
      await again.close();
    });
  });
}

/** Empties the state tables of a shared PostgreSQL server between tests. */
export async function resetStateTables(url: string): Promise<void> {
  const { DpStore } = await import('../../store/dp-store');
  const s = await DpStore.open({ kind: 'postgres', url });
  try {
    await s.raw(sql`truncate dp_meta, images, sessions, clients, dp_events`);
  } finally {
    await s.close();
  }
}
