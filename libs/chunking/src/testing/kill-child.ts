// Child process for the SIGKILL test: writes an image to a real file through ImageWriter and kills
// itself with SIGKILL at the N-th I/O operation (write, sync, truncate or journal replace), as a
// power-cut-free "kill -9 at any instant". Bundled by the test with esbuild.
// argv: imagePath manifestPath targetPath killAt commitEvery
import { readFileSync } from 'node:fs';
import type { Manifest } from '@castpoint/wire';
import { openTarget } from '../image-writer';
import { fileJournalStore } from '../journal-store';
import { openTargetIo } from '../target-io';

const [imagePath = '', manifestPath = '', target = '', killAtArg = '0', commitEveryArg = '1'] = process.argv.slice(2);
const killAt = Number(killAtArg);
let ops = 0;
const step = (): void => {
  if (++ops === killAt) process.kill(process.pid, 'SIGKILL');
};

async function main(): Promise<void> {
  const image = readFileSync(imagePath);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const store = fileJournalStore();
  const w = await openTarget(target, manifest, {
    commitEvery: Number(commitEveryArg),
    // A stopped clock: commits come only from commitEvery, so the I/O steps the kill points count
    // are the same on a loaded machine (the 2 s interval commit would add some).
    now: () => 0,
    journalStore: { ...store, writeAtomic: async (p, d) => (step(), store.writeAtomic(p, d)) },
    openIo: async (p, kind) => {
      const io = await openTargetIo(p, kind);
      return {
        write: async (d, pos) => (step(), io.write(d, pos)),
        read: (d, pos) => io.read(d, pos),
        sync: async () => (step(), io.sync()),
        truncate: async (s) => (step(), io.truncate(s)),
        size: () => io.size(),
        close: () => io.close(),
      };
    },
  });
  // Reverse order: the journal bitmap then has holes in the middle, not a prefix.
  for (const i of w.missingChunks().reverse()) {
    await w.writeChunk(i, image.subarray(i * manifest.chunkSize, (i + 1) * manifest.chunkSize));
  }
  await w.finish();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
