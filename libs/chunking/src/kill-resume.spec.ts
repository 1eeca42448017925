import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { decodeJournal } from './journal';
import { buildImage, expectSameBytes, referenceManifest, sha256, tempDir } from './testing/fixtures';

// A real child process writes a real file and is SIGKILLed at the N-th I/O step, for every N of one
// run (deterministic: no timers). After each kill the journal on disk must decode, every chunk it
// marks done must be on disk, and a restarted child must resume and finish the image.
const CS = 4096;
const t = tempDir('kill');
afterAll(() => t.cleanup());

describe('SIGKILL at every I/O step of a real writer process', () => {
  const child = join(t.dir, 'kill-child.cjs');
  const image = buildImage([{ zero: false, length: CS * 3 }, { zero: true, length: CS * 2 }, { zero: false, length: CS * 2 + 9 }], 21);
  const manifest = referenceManifest(image, CS);

  beforeAll(() => {
    buildSync({ entryPoints: [join(__dirname, 'testing/kill-child.ts')], outfile: child, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error', tsconfig: join(__dirname, '../../../tsconfig.base.json') });
    writeFileSync(join(t.dir, 'image.bin'), image);
    writeFileSync(join(t.dir, 'manifest.json'), JSON.stringify(manifest));
  });

  const run = (target: string, killAt: number): number | null => {
    const r = spawnSync(process.execPath, [child, join(t.dir, 'image.bin'), join(t.dir, 'manifest.json'), target, String(killAt), '2'], { encoding: 'utf8' });
    if (r.status !== null && r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
    return r.status;
  };

  it('never journals a chunk that is not on disk, and always resumes to the full image', () => {
    let kills = 0;
    // Steps of an uninterrupted run: 2 truncates + 1 journal + 5 writes, 3 syncs + 3 journals, final sync.
    for (let killAt = 1; killAt <= 20; killAt++) {
      const target = join(t.dir, `target-${killAt}.img`);
      const status = run(target, killAt);
      if (status === null) {
        kills++;
        const raw = (() => {
          try {
            return readFileSync(`${target}.castpoint-journal`);
          } catch {
            return undefined;
          }
        })();
        if (raw !== undefined) {
          const j = decodeJournal(raw);
          if ('damaged' in j) throw new Error(`journal damaged after kill at step ${killAt}: ${j.damaged}`);
          const disk = readFileSync(target);
          for (let i = 0; i < manifest.chunks.length; i++) {
            if (((j.bitmap[i >> 3] ?? 0) >> (i & 7)) & 1) {
              expect(sha256(disk.subarray(i * CS, Math.min((i + 1) * CS, image.length)))).toBe(manifest.chunks[i]);
            }
          }
        }
        expect(run(target, 0)).toBe(0); // restart without a kill: resumes and finishes
      }
      expectSameBytes(readFileSync(target), image);
    }
    expect(kills).toBeGreaterThanOrEqual(10); // the kill points really hit the run
  }, 60_000);
});
