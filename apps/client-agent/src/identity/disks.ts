import type { DiskInfo } from '@castpoint/chunking';
import type { SysFs } from './sysfs';

const SECTOR = 512;

/**
 * Every whole disk in /sys/block (partitions are not listed there) with what the disk selector
 * matches on. Where a fact lives differs by driver, so each is read from the first place it is:
 * SCSI/SATA `device/model` and `device/wwid`; NVMe `device/model`, `device/serial`, `wwid`;
 * virtio `serial`. Size is always in 512-byte sectors, whatever the disk's block size.
 */
export function readDisks(sys: SysFs): DiskInfo[] {
  return sys.list('sys/block').map((name) => {
    const at = (...p: string[]) => sys.attr('sys/block', name, ...p);
    const sectors = Number(at('size') ?? '0');
    const rotational = at('queue', 'rotational');
    return {
      name,
      // cciss!c0d0 is /dev/cciss/c0d0: the kernel writes / as ! in sysfs names.
      path: `/dev/${name.replaceAll('!', '/')}`,
      sizeBytes: Number.isFinite(sectors) ? sectors * SECTOR : 0,
      model: at('device', 'model'),
      serial: at('device', 'serial') ?? at('serial'),
      wwn: at('wwid') ?? at('device', 'wwid'),
      removable: at('removable') === '1',
      rotational: rotational === null ? null : rotational === '1',
    };
  });
}
