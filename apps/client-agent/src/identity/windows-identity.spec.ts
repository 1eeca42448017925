// readWindowsIdentity against the fake Win32 machine and a networkInterfaces() table: the same shape
// as Linux's, so the DP's matching and the agent's disk selectors work unchanged.
import type { NetworkInterfaceInfo } from 'node:os';
import { selectDisk } from '@castpoint/chunking';
import { FakeWin32 } from '../win32/fake-win32';
import { readWindowsIdentity } from './windows-identity';

const ipv4 = (mac: string, internal = false): NetworkInterfaceInfo => ({ address: '10.0.0.2', netmask: '255.255.255.0', family: 'IPv4', mac, internal, cidr: '10.0.0.2/24' });

function rsmb(): Buffer {
  // Type 1 (manufacturer 1, product 2, version 3, serial 4, UUID stored little-endian), then type 127.
  const system = Buffer.concat([
    Buffer.from('011b0100010203044445 4c4c42001035 8052b4c04f4e4d32 060000'.replace(/\s+/g, ''), 'hex'),
    Buffer.from('LENOVO\0ThinkCentre M70q\0SDK0J40697 WIN\0PC2ABCDE\0\0', 'latin1'),
    Buffer.from('7f04fffe0000', 'hex'),
  ]);
  const head = Buffer.from([0, 3, 2, 0, 0, 0, 0, 0]);
  head.writeUInt32LE(system.length, 4);
  return Buffer.concat([head, system]);
}

describe('readWindowsIdentity', () => {
  type Descriptor = { vendor: string; product: string; serial: string; removable: boolean; busType: number };
  // The fake's size IOCTLs report its byte array's length: sizes are in kB, not GB, here.
  function machine(): FakeWin32 {
    const d = (sz: number, desc?: Descriptor, ioctls = true) => ({ bytes: new Uint8Array(sz), ...(desc ? { descriptor: desc } : {}), ioctls });
    return new FakeWin32(
      new Map([
        [0, d(512_000, { vendor: '', product: 'Samsung SSD 980 PRO 500GB', serial: 'S5GXNX0T123456', removable: false, busType: 17 })],
        [1, d(2_000_000, { vendor: 'ATA', product: 'ST2000DM008-2FR1', serial: 'ZFL0ABCD', removable: false, busType: 11 })],
        [3, d(32_000, { vendor: 'SanDisk', product: 'Ultra', serial: '4C5300', removable: true, busType: 7 })],
        [4, d(64_000, { vendor: 'WD', product: 'Elements 25A2', serial: 'WX12', removable: false, busType: 7 })],
        [5, d(8_192, undefined, false)],
      ]),
      [],
      'X:\\Windows\\System32',
      rsmb(),
    );
  }

  it('gives the MACs, the SMBIOS facts and every disk with what the selectors match on', () => {
    const id = readWindowsIdentity(machine(), {
      'Loopback Pseudo-Interface 1': [ipv4('00:00:00:00:00:00', true)],
      Ethernet: [ipv4('A0:36:9F:12:34:56')],
      'Ethernet 2': [ipv4('3C:58:C2:AA:BB:CC'), { ...ipv4('3C:58:C2:AA:BB:CC'), family: 'IPv6', address: 'fe80::1', cidr: 'fe80::1/64', scopeid: 3 }],
    });
    expect(id.macs).toEqual(['3c:58:c2:aa:bb:cc', 'a0:36:9f:12:34:56']);
    expect(id).toMatchObject({ uuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32', serial: 'PC2ABCDE', vendor: 'LENOVO', model: 'ThinkCentre M70q' });
    expect(id.disks).toEqual([
      { name: 'PhysicalDrive0', path: '\\\\.\\PhysicalDrive0', sizeBytes: 512_000, model: 'Samsung SSD 980 PRO 500GB', serial: 'S5GXNX0T123456', wwn: null, removable: false, rotational: null },
      { name: 'PhysicalDrive1', path: '\\\\.\\PhysicalDrive1', sizeBytes: 2_000_000, model: 'ATA ST2000DM008-2FR1', serial: 'ZFL0ABCD', wwn: null, removable: false, rotational: null },
      { name: 'PhysicalDrive3', path: '\\\\.\\PhysicalDrive3', sizeBytes: 32_000, model: 'SanDisk Ultra', serial: '4C5300', wwn: null, removable: true, rotational: null },
      // A USB hard disk says it is not removable media; it still must not be picked implicitly.
      { name: 'PhysicalDrive4', path: '\\\\.\\PhysicalDrive4', sizeBytes: 64_000, model: 'WD Elements 25A2', serial: 'WX12', wwn: null, removable: true, rotational: null },
      // Answers no IOCTL (as under wine): listed, size 0, so no size-bound selector picks it.
      { name: 'PhysicalDrive5', path: '\\\\.\\PhysicalDrive5', sizeBytes: 0, model: null, serial: null, wwn: null, removable: false, rotational: null },
    ]);
  });

  it.each([
    ['first-fixed', 600_000, '\\\\.\\PhysicalDrive1'],
    ['first-fixed', 100_000, '\\\\.\\PhysicalDrive0'],
    ['serial:ZFL0ABCD', 1, '\\\\.\\PhysicalDrive1'],
    ['model:*SSD 980*', 1, '\\\\.\\PhysicalDrive0'],
    ['path:\\\\.\\PhysicalDrive3', 1, '\\\\.\\PhysicalDrive3'],
  ])('disk selector %s (image of %d bytes) picks %s', (selector, imageBytes, path) => {
    const choice = selectDisk(selector, readWindowsIdentity(machine(), {}).disks, imageBytes);
    expect(choice).toMatchObject({ ok: true, disk: { path } });
  });

  it('gives null SMBIOS facts where the firmware has no table, and never fails on a bad one', () => {
    const none = new FakeWin32(new Map(), []);
    expect(readWindowsIdentity(none, {})).toEqual({ macs: [], nics: [], uuid: null, serial: null, vendor: null, model: null, disks: [] });
    const bad = new FakeWin32(new Map(), [], undefined, Buffer.from([0, 3, 3, 0, 99, 0, 0, 0]));
    expect(readWindowsIdentity(bad, {})).toMatchObject({ uuid: null, serial: null, vendor: null, model: null });
  });
});
