import type { SysFs } from './sysfs';

export interface DmiFacts {
  uuid: string | null;
  serial: string | null;
  vendor: string | null;
  model: string | null;
}

/**
 * Text that firmware leaves in a field it did not fill: reported as null, so two machines are
 * never tied together by "To Be Filled By O.E.M.". (Placeholder UUIDs are the DP's call: it keeps
 * the list, match-machine.ts.)
 */
const UNFILLED = new Set(['to be filled by o.e.m.', 'default string', 'system serial number', 'system product name', 'system manufacturer', 'not specified', 'not applicable', 'none', 'o.e.m.', '0', '0123456789', 'chassis serial number']);

export function filled(value: string | null): string | null {
  return value === null || UNFILLED.has(value.toLowerCase()) ? null : value;
}

/** SMBIOS facts from /sys/class/dmi/id. product_uuid and product_serial are root-only: null otherwise. */
export function readDmi(sys: SysFs): DmiFacts {
  const dir = 'sys/class/dmi/id';
  return {
    uuid: sys.attr(dir, 'product_uuid')?.toLowerCase() ?? null,
    serial: filled(sys.attr(dir, 'product_serial')),
    vendor: filled(sys.attr(dir, 'sys_vendor')),
    model: filled(sys.attr(dir, 'product_name')),
  };
}
