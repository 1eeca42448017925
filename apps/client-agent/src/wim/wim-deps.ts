// The real pieces behind wimStoreOpener: blockdev for the disk's geometry, statfs for the staging
// space, execFile for the plan's commands, a scratch dir for the boot files.
import { mkdir, mkdtemp, rm, stat, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentError } from '../errors';
import type { ChunkStoreOpener } from '../flow/ports';
import { planWimApply } from './apply-plan';
import { applyWimPlan, probeDisk, type CommandRunner } from './apply-wim';
import { execRunner } from './command-runner';
import { wimStoreOpener, type ContentWatch } from './wim-store';

export interface RealWimStoreOptions {
  readonly target: string;
  readonly stagingDir: string;
  readonly disk: ChunkStoreOpener;
  readonly staging: (file: string) => ChunkStoreOpener;
  readonly content: ContentWatch;
  /** Told each step of the apply (a line on the terminal: the steps take minutes on a real disk). */
  readonly onStep: (text: string) => void;
  /** @default execFile */
  readonly run?: CommandRunner;
}

export function realWimStoreOpener(o: RealWimStoreOptions): ChunkStoreOpener {
  const run = o.run ?? execRunner;
  return wimStoreOpener({
    target: o.target,
    disk: o.disk,
    staging: o.staging,
    stagingDir: o.stagingDir,
    content: o.content,
    async probe() {
      const st = await stat(o.target).catch(() => undefined);
      if (!st?.isBlockDevice()) throw new AgentError('target-refused', `A WIM image is applied to a disk: ${o.target} is not a block device`);
      return probeDisk(run, o.target);
    },
    freeBytes: async (dir) => {
      const s = await statfs(dir);
      return s.bavail * s.bsize;
    },
    fileBytes: async (file) => (await stat(file).catch(() => undefined))?.size ?? 0,
    mkdir: async (dir) => void (await mkdir(dir, { recursive: true })),
    remove: (file) => rm(file, { force: true }),
    async apply(wim, content, geometry) {
      const scratchDir = await mkdtemp(join(tmpdir(), 'castpoint-boot-'));
      try {
        const plan = planWimApply({ disk: o.target, geometry, wim, index: content.index, scratchDir });
        await applyWimPlan(plan, o.target, run, (why) => o.onStep(`WIM: ${why}`));
      } finally {
        await rm(scratchDir, { recursive: true, force: true });
      }
    },
  });
}
