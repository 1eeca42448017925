import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StateStore } from './store';

// Crash safety of the DP state in PGlite (the default): a writer process saving the state the
// ways the session manager changes it is killed with SIGKILL right after a save was acknowledged
// (the next one in flight), three times over one data dir. Every acknowledged step must be there
// after each kill: its client, its progress change, its image added or removed, its event.
const ROOT = path.resolve(__dirname, '../../../..');
const OUT = path.join(ROOT, 'dist', 'test', `state-crash-writer-${process.pid}.cjs`);

function writeUntilKilled(dir: string, start: number, acks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OUT, dir, String(start)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const seen: number[] = [];
    let buf = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) if (/^\d+$/.test(l)) seen.push(Number(l));
      if (seen.length >= acks) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

describe('DP state under kill -9', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cp-dp-state-crash-'));
    mkdirSync(path.dirname(OUT), { recursive: true });
    execFileSync(process.execPath, [path.join(ROOT, 'tools/build/bundle.mjs'), path.join(__dirname, 'testing/crash-writer.ts'), OUT], { cwd: ROOT, stdio: 'pipe' });
  }, 120_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(OUT, { force: true });
  });

  it('keeps every acknowledged save across three kills mid-write', async () => {
    const acked: number[] = [];
    for (let round = 0; round < 3; round++) {
      const steps = await writeUntilKilled(dir, round * 100_000 + 1, 60);
      expect(steps.length).toBeGreaterThanOrEqual(60);
      acked.push(...steps);
      const { store } = await StateStore.open(dir);
      try {
        const clients = new Map(store.state.clients.map((c) => [c.id, c]));
        const events = new Set(store.state.history.map((h) => h.detail));
        expect(acked.filter((i) => !clients.has(i))).toEqual([]);
        expect(acked.filter((i) => !events.has(String(i)))).toEqual([]);
        // Each acknowledged step but the last of a round also saw its client's progress set by the next.
        const notDone = steps.slice(0, -1).filter((i) => clients.get(i)?.progress !== 1);
        expect(notDone).toEqual([]);
        // Even steps add an image, odd ones remove it again: the last acknowledged step decides,
        // or the one after it, in flight when the kill came, if its save had committed.
        const first = round * 100_000 + 1;
        const last = steps.at(-1) ?? 0;
        const after = (n: number) => (n % 2 === 0 ? [`img${n}`] : []);
        const mine = Object.keys(store.state.images).filter((n) => n.startsWith('img') && Number(n.slice(3)) >= first);
        expect([after(last), after(last + 1)]).toContainEqual(mine);
      } finally {
        await store.close();
      }
    }
  }, 600_000);
});
