import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isCastpointError } from '@castpoint/wire';
import { DpStore } from './dp-store';
import { describeAssignmentContract } from './testing/assignment-contract';
import { describeIndexContract } from './testing/index-contract';
import { describeStoreContract, truncateAll } from './testing/store-contract';

// PGlite runs Emscripten code that calls import(): the dp-server test target runs Jest with
// --experimental-vm-modules for it (project.json); a bare `npx jest` needs NODE_OPTIONS likewise.
describeStoreContract('PGlite (in memory)', () => DpStore.open({ kind: 'memory' }), truncateAll);
describeAssignmentContract('PGlite (in memory)', () => DpStore.open({ kind: 'memory' }), truncateAll);
describeIndexContract('PGlite (in memory)', () => DpStore.open({ kind: 'memory' }), truncateAll);

describe('DpStore on PGlite in the data dir', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'castpoint-store-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps what was written across a close and reopen, and migrates an existing database only once', async () => {
    const t0 = new Date('2026-12-01T10:00:00Z');
    const first = await DpStore.open({ kind: 'pglite', dataDir: dir });
    expect(first.where).toBe(`PGlite in ${path.join(dir, 'db')}`);
    await first.machines.add({ name: 'kept', macs: ['52:54:00:00:07:01'] }, t0);
    await first.collections.add('lab', [{ kind: 'name', glob: 'k*' }], t0);
    await first.close();
    const again = await DpStore.open({ kind: 'pglite', dataDir: dir });
    try {
      expect((await again.machines.get('kept')).macs).toEqual(['52:54:00:00:07:01']);
      expect((await again.collections.get('lab')).rules).toEqual([{ kind: 'name', glob: 'k*' }]);
    } finally {
      await again.close();
    }
  }, 180_000);

  it('refuses a PostgreSQL URL it cannot reach with DP_DATABASE and no password in the message', async () => {
    const err = await DpStore.open({ kind: 'postgres', url: `postgres://u:secret@localhost/db?host=${encodeURIComponent(path.join(dir, 'no-socket-here'))}` }).catch((e: unknown) => e);
    expect(isCastpointError(err, 'DP_DATABASE')).toBe(true);
    expect((err as Error).message).toContain('PostgreSQL postgres://u:***@localhost/db');
    expect((err as Error).message).not.toContain('secret');
  }, 30_000);
});
