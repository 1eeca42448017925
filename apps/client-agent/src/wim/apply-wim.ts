// Runs a WimApplyPlan through an injected command runner: partitions become loop devices over the
// disk's byte ranges (losetup --offset/--sizelimit), so no step waits for the kernel or udev to
// make /dev/sdX3 (a minimal boot environment may have neither partscan nor udev); they are
// detached whatever happens.
import { AgentError } from '../errors';
import type { DiskGeometry, PartName, WimApplyPlan } from './apply-plan';

/** Runs argv[0] with the rest as arguments; resolves with stdout, rejects with a CommandFailed. */
export type CommandRunner = (argv: readonly string[]) => Promise<string>;

/** A command that exited non-zero (or could not start): what it said, for the technician. */
export class CommandFailed extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly detail: string,
  ) {
    super(`${argv.join(' ')}: ${detail}`);
    this.name = 'CommandFailed';
  }
}

/** The disk's size and logical sector size, asked of the kernel (blockdev reads, never writes). */
export async function probeDisk(run: CommandRunner, disk: string): Promise<DiskGeometry> {
  const sizeBytes = Number((await run(['blockdev', '--getsize64', disk])).trim());
  const sectorSize = Number((await run(['blockdev', '--getss', disk])).trim());
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0 || ![512, 4096].includes(sectorSize)) {
    throw new AgentError('target-refused', `${disk} reports a size of ${sizeBytes} bytes and ${sectorSize}-byte sectors: not a disk a WIM can be applied to`);
  }
  return { sizeBytes, sectorSize };
}

/** Runs every step in order; `onStep` hears each one's reason first. Loop devices are always detached. */
export async function applyWimPlan(plan: WimApplyPlan, disk: string, run: CommandRunner, onStep: (why: string) => void): Promise<void> {
  const attached = new Map<PartName, string>();
  const bind = (arg: string): string => {
    const m = /^\$(esp|msr|windows)$/.exec(arg);
    if (!m) return arg;
    const dev = attached.get(m[1] as PartName);
    if (dev === undefined) throw new AgentError('internal', `the WIM plan uses ${arg} before attaching it`);
    return dev;
  };
  try {
    for (const step of plan.steps) {
      if (step.kind === 'attach') {
        const dev = (await run(['losetup', '--find', '--show', `--offset=${step.offset}`, `--sizelimit=${step.size}`, disk])).trim();
        if (!dev.startsWith('/dev/')) throw new AgentError('target-refused', `losetup did not name a loop device for the ${step.part} partition (said ${JSON.stringify(dev)})`);
        attached.set(step.part, dev);
        continue;
      }
      onStep(step.why);
      await run(step.argv.map(bind)).catch((err: unknown) => {
        throw new AgentError('target-refused', `Applying the WIM to ${disk} failed at "${step.why}": ${err instanceof Error ? err.message : String(err)}`, { step: step.why }, { cause: err });
      });
    }
  } finally {
    for (const dev of [...attached.values()].reverse()) await run(['losetup', '--detach', dev]).catch(() => undefined);
  }
}
