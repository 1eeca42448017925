// A fake /sys tree, mountinfo and swaps file for the target safety checks: one disk "sdz" (8:0) with
// partitions sdz1 (8:1) and sdz2 (8:2), and a device-mapper device dm-7 (253:7).
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SystemProbe, TargetStat } from '../preflight';

export interface FakeSystemOptions {
  readonly diskBytes: number;
  /** major:minor -> mount point */
  readonly mounts?: Record<string, string>;
  readonly swaps?: string[];
  /** partition name (sdz1) -> holder names */
  readonly holders?: Record<string, string[]>;
}

const mountLine = (id: number, dev: string, mp: string, src: string): string =>
  `${id} 1 ${dev} / ${mp.replace(/ /g, '\\040')} rw,relatime shared:${id} - ext4 ${src} rw`;

export function fakeSystem(root: string, o: FakeSystemOptions): SystemProbe & { sysRoot: string } {
  const sys = join(root, 'sys');
  const disk = join(sys, 'devices', 'pci0000:00', 'block', 'sdz');
  const dm = join(sys, 'devices', 'virtual', 'block', 'dm-7');
  const dev = (dir: string, majmin: string, sectors: number, partition?: number): void => {
    mkdirSync(join(dir, 'holders'), { recursive: true });
    writeFileSync(join(dir, 'dev'), `${majmin}\n`);
    writeFileSync(join(dir, 'size'), `${sectors}\n`);
    if (partition !== undefined) writeFileSync(join(dir, 'partition'), `${partition}\n`);
  };
  dev(disk, '8:0', o.diskBytes / 512);
  dev(join(disk, 'sdz1'), '8:1', o.diskBytes / 1024, 1);
  dev(join(disk, 'sdz2'), '8:2', o.diskBytes / 1024, 2);
  dev(dm, '253:7', 100);
  mkdirSync(join(disk, 'queue')); // a non-partition subdirectory, as real sysfs has
  mkdirSync(join(sys, 'dev', 'block'), { recursive: true });
  mkdirSync(join(sys, 'class', 'block'), { recursive: true });
  symlinkSync(disk, join(sys, 'dev', 'block', '8:0'));
  symlinkSync(join(disk, 'sdz1'), join(sys, 'dev', 'block', '8:1'));
  symlinkSync(join(disk, 'sdz2'), join(sys, 'dev', 'block', '8:2'));
  symlinkSync(dm, join(sys, 'dev', 'block', '253:7'));
  symlinkSync(dm, join(sys, 'class', 'block', 'dm-7'));
  for (const [part, hs] of Object.entries(o.holders ?? {})) {
    for (const h of hs) symlinkSync(dm, join(disk, part, 'holders', h));
  }
  const lines = [mountLine(20, '0:21', '/', 'overlay')];
  let id = 30;
  for (const [d, mp] of Object.entries(o.mounts ?? {})) lines.push(mountLine(id++, d, mp, `/dev/x${id}`));
  writeFileSync(join(root, 'mountinfo'), `${lines.join('\n')}\n`);
  writeFileSync(join(root, 'swaps'), `Filename\tType\tSize\tUsed\tPriority\n${(o.swaps ?? []).map((s) => `${s}\tpartition\t1024\t0\t-2`).join('\n')}\n`);
  return { sysRoot: sys, mountinfoPath: join(root, 'mountinfo'), swapsPath: join(root, 'swaps'), platform: 'linux' };
}

/** A statTarget that presents `path` as a block device with the given major:minor. */
export function fakeBlockStat(rdev: string): (path: string) => Promise<TargetStat> {
  return async () => ({ kind: 'block', rdev, size: 0 });
}
