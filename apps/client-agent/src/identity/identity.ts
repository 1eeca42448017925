import type { DiskInfo } from '@castpoint/chunking';
import { readDisks } from './disks';
import { readDmi } from './dmi';
import { identityMacs, readNics, type Nic } from './nics';
import { SysFs } from './sysfs';

/** What the agent tells the DP about the machine it runs on (issue 24: matched by MAC first). */
export interface MachineIdentity {
  macs: string[];
  nics: Nic[];
  uuid: string | null;
  serial: string | null;
  vendor: string | null;
  model: string | null;
  disks: DiskInfo[];
}

/** Reads the identity under `root` (`/` on a machine; a fake tree in tests). Linux only for now. */
export function readIdentity(root = '/'): MachineIdentity {
  const sys = new SysFs(root);
  const nics = readNics(sys);
  return { macs: identityMacs(nics), nics, ...readDmi(sys), disks: readDisks(sys) };
}
