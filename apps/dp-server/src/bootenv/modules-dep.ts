import { BootenvError } from './errors';

/**
 * The driver modules a boot environment carries: NICs and disk controllers common on PCs and
 * servers, and in qemu (virtio). Everything else the kernel needs to boot one is built in on
 * Debian's kernel (devtmpfs, 8250 serial, packet sockets, gzip initramfs).
 */
export const BOOT_MODULES = [
  // virtio (qemu/KVM guests): the PCI transport first, or virtio_net/virtio_blk find no device.
  'virtio_pci',
  'virtio_net',
  'virtio_blk',
  'virtio_scsi',
  // NICs
  'e1000',
  'e1000e',
  'igb',
  'ixgbe',
  'r8169',
  // disks
  'ahci',
  'nvme',
  'sd_mod',
  // USB disks need a host controller driver as well
  'xhci_pci',
  'ehci_pci',
  'usb_storage',
] as const;

/** A module's name as the kernel knows it: file name without .ko[.xz|.zst], dashes as underscores. */
export function moduleName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

/** modules.dep (depmod's output): each module's path -> the paths it needs, as listed. */
export function parseModulesDep(text: string): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const mod = line.slice(0, colon).trim();
    const needs = line.slice(colon + 1).trim();
    deps.set(mod, needs === '' ? [] : needs.split(/\s+/));
  }
  return deps;
}

/**
 * The module paths to load, dependencies before their users, for `wanted` module names (each once,
 * in the order first needed). Throws BOOTENV_MODULE_MISSING naming every wanted module absent from
 * modules.dep, so a kernel without one of them is refused before anything is built.
 */
export function loadOrder(deps: ReadonlyMap<string, readonly string[]>, wanted: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const path of deps.keys()) byName.set(moduleName(path), path);
  const missing = wanted.filter((w) => !byName.has(w.replace(/-/g, '_')));
  if (missing.length > 0) {
    throw new BootenvError('BOOTENV_MODULE_MISSING', `the kernel has no module ${missing.join(', ')}`, { missing });
  }
  const order: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const visit = (path: string): void => {
    if (done.has(path)) return;
    // A cycle cannot come from depmod; stop rather than recurse forever on a hand-edited file.
    if (visiting.has(path)) return;
    visiting.add(path);
    for (const d of deps.get(path) ?? []) visit(d);
    visiting.delete(path);
    done.add(path);
    order.push(path);
  };
  for (const w of wanted) visit(byName.get(w.replace(/-/g, '_')) as string);
  return order;
}
