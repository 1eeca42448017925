import { selectDisk } from '@castpoint/chunking';
import { chmodSync } from 'node:fs';
import path from 'node:path';
import { fakeSys } from './fake-sys';
import { readIdentity } from './identity';
import { identityMacs } from './nics';

const net = (name: string, mac: string, type = '1') => ({ [`sys/class/net/${name}/address`]: mac, [`sys/class/net/${name}/type`]: type });

describe('readIdentity against a fake /sys', () => {
  // A workstation: two real NICs, loopback, a bridge and a veth; DMI filled; NVMe, SATA, USB, loop.
  const tree = fakeSys(
    {
      ...net('lo', '00:00:00:00:00:00', '772'),
      ...net('enp3s0', 'A0:36:9F:12:34:56'),
      ...net('wlp2s0', '3c:58:c2:aa:bb:cc'),
      ...net('docker0', '02:42:ac:11:00:01'),
      ...net('veth1a2b', '9a:1b:2c:3d:4e:5f'),
      ...net('ib0', '80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:0b:0c', '32'),
      'sys/class/dmi/id/product_uuid': '4C4C4544-0042-3510-8052-B4C04F4E4D32',
      'sys/class/dmi/id/product_serial': 'B5Q4M32',
      'sys/class/dmi/id/sys_vendor': 'Dell Inc.',
      'sys/class/dmi/id/product_name': 'OptiPlex 7090',
      'sys/block/nvme0n1/size': String((512e9 / 512) | 0),
      'sys/block/nvme0n1/removable': '0',
      'sys/block/nvme0n1/queue/rotational': '0',
      'sys/block/nvme0n1/wwid': 'eui.002538b111111111',
      'sys/block/nvme0n1/device/model': 'Samsung SSD 980 PRO 500GB               ',
      'sys/block/nvme0n1/device/serial': '  S5GXNX0T123456',
      'sys/block/sda/size': String(2e12 / 512),
      'sys/block/sda/removable': '0',
      'sys/block/sda/queue/rotational': '1',
      'sys/block/sda/device/model': 'ST2000DM008-2FR1',
      'sys/block/sda/device/wwid': 'naa.5000c500a1b2c3d4',
      'sys/block/sdb/size': String(32e9 / 512),
      'sys/block/sdb/removable': '1',
      'sys/block/sdb/queue/rotational': '0',
      'sys/block/sdb/device/model': 'Ultra USB 3.0',
      'sys/block/vda/size': String(100e9 / 512),
      'sys/block/vda/removable': '0',
      'sys/block/vda/serial': 'virtio-serial-1',
      'sys/block/loop0/size': String(8e12 / 512),
      'sys/block/loop0/removable': '0',
    },
    // Real NICs have a device link; bridges and veth have none.
    { 'sys/class/net/enp3s0/device': '../../../devices/pci0000:00/0000:03:00.0', 'sys/class/net/wlp2s0/device': '../../../devices/pci0000:00/0000:02:00.0' },
  );
  afterAll(() => tree.remove());

  it('reports the real NICs MACs (not virtual, loopback or non-Ethernet ones) and every NIC it saw', () => {
    const id = readIdentity(tree.root);
    expect(id.macs).toEqual(['3c:58:c2:aa:bb:cc', 'a0:36:9f:12:34:56']);
    expect(id.nics.map((n) => `${n.name}${n.physical ? '*' : ''}`)).toEqual(['docker0', 'enp3s0*', 'veth1a2b', 'wlp2s0*']);
  });

  it('reads SMBIOS UUID (lower case), serial, vendor and model', () => {
    expect(readIdentity(tree.root)).toMatchObject({ uuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32', serial: 'B5Q4M32', vendor: 'Dell Inc.', model: 'OptiPlex 7090' });
  });

  it('reads every disk with size, model, serial, WWN, removable and rotational, wherever its driver keeps them', () => {
    const disks = readIdentity(tree.root).disks;
    expect(disks.map((d) => d.name)).toEqual(['loop0', 'nvme0n1', 'sda', 'sdb', 'vda']);
    expect(disks.find((d) => d.name === 'nvme0n1')).toEqual({
      name: 'nvme0n1',
      path: '/dev/nvme0n1',
      sizeBytes: 512e9,
      model: 'Samsung SSD 980 PRO 500GB',
      serial: 'S5GXNX0T123456',
      wwn: 'eui.002538b111111111',
      removable: false,
      rotational: false,
    });
    expect(disks.find((d) => d.name === 'sda')).toMatchObject({ sizeBytes: 2e12, wwn: 'naa.5000c500a1b2c3d4', serial: null, rotational: true });
    expect(disks.find((d) => d.name === 'sdb')).toMatchObject({ removable: true });
    expect(disks.find((d) => d.name === 'vda')).toMatchObject({ serial: 'virtio-serial-1', rotational: null, model: null });
  });

  it('feeds the disk selector: the loop device is never the first fixed disk', () => {
    const disks = readIdentity(tree.root).disks;
    const c = selectDisk('first-fixed', disks, 600e9);
    expect(c.ok && c.disk.path).toBe('/dev/sda');
    const byWwn = selectDisk('wwn:5000C500A1B2C3D4', disks, 1e9);
    expect(byWwn.ok && byWwn.disk.path).toBe('/dev/sda');
  });
});

describe('readIdentity on sparse or odd machines', () => {
  it('a namespace with only virtual NICs reports those; firmware placeholders are null; root-only DMI unreadable is null', () => {
    const tree = fakeSys({
      ...net('lo', '00:00:00:00:00:00', '772'),
      ...net('eth0', '02:00:0a:00:00:05'),
      'sys/class/dmi/id/product_uuid': '03000200-0400-0500-0006-000700080009',
      'sys/class/dmi/id/product_serial': 'To Be Filled By O.E.M.',
      'sys/class/dmi/id/sys_vendor': 'System manufacturer',
      'sys/class/dmi/id/product_name': 'Default string',
      'sys/block/cciss!c0d0/size': '2048',
    });
    try {
      if (process.getuid?.() !== 0) chmodSync(path.join(tree.root, 'sys/class/dmi/id/product_uuid'), 0o400);
      const id = readIdentity(tree.root);
      expect(id.macs).toEqual(['02:00:0a:00:00:05']);
      // The UUID is reported as it is: the DP decides that this one is a placeholder.
      expect(id).toMatchObject({ uuid: '03000200-0400-0500-0006-000700080009', serial: null, vendor: null, model: null });
      expect(id.disks).toEqual([{ name: 'cciss!c0d0', path: '/dev/cciss/c0d0', sizeBytes: 2048 * 512, model: null, serial: null, wwn: null, removable: false, rotational: null }]);
    } finally {
      tree.remove();
    }
  });

  it('an empty root (no /sys at all) gives an empty identity rather than an exception', () => {
    const tree = fakeSys({});
    try {
      expect(readIdentity(tree.root)).toEqual({ macs: [], nics: [], uuid: null, serial: null, vendor: null, model: null, disks: [] });
    } finally {
      tree.remove();
    }
  });

  it('identityMacs removes duplicates (bond members share a MAC)', () => {
    expect(identityMacs([{ name: 'eno1', mac: 'aa:00:00:00:00:01', physical: true }, { name: 'eno2', mac: 'aa:00:00:00:00:01', physical: true }])).toEqual(['aa:00:00:00:00:01']);
  });
});
