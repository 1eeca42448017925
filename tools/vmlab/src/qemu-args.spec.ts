import { labMac, qemuArgs, type VmSpec } from './qemu-args';

const base: VmSpec = { name: 'vm1', disk: '/tmp/vm1.disk', mac: labMac(1), tap: 'tap1' };

function after(args: readonly string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
}

describe('qemuArgs', () => {
  it('is a TCG SeaBIOS machine, network first, on a tap device, never user-mode networking', () => {
    const a = qemuArgs(base);
    expect(after(a, '-accel')).toEqual(['tcg,thread=single,tb-size=64']);
    // x86-64-v2: koffi's binary (the agent's recvmmsg) holds SSSE3/SSE4.1 instructions qemu64 lacks.
    expect(after(a, '-cpu')).toEqual(['qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt']);
    expect(after(a, '-machine')).toEqual(['pc']);
    expect(after(a, '-boot')).toEqual(['order=nc']);
    expect(after(a, '-netdev')).toEqual(['tap,id=n0,ifname=tap1,script=no,downscript=no']);
    expect(after(a, '-device')).toEqual(['virtio-net-pci,netdev=n0,mac=52:54:00:c9:00:01']);
    expect(after(a, '-drive')).toEqual(['file=/tmp/vm1.disk,format=raw,if=virtio']);
    expect(a.join(' ')).not.toMatch(/user|-nic /);
  });

  it('boots the disk only, or a kernel directly, when asked', () => {
    expect(after(qemuArgs({ ...base, boot: 'disk' }), '-boot')).toEqual(['order=c']);
    expect(after(qemuArgs({ ...base, boot: 'disk-first' }), '-boot')).toEqual(['order=cn']);
    const d = qemuArgs({ ...base, direct: { kernel: '/k', initrd: '/i', append: 'console=ttyS0' } });
    expect(after(d, '-kernel')).toEqual(['/k']);
    expect(after(d, '-append')).toEqual(['console=ttyS0']);
    expect(after(d, '-boot')).toEqual([]);
  });

  it('adds OVMF as two pflash drives on q35 for UEFI, network first by bootindex, the NIC without its iPXE ROM', () => {
    const a = qemuArgs({ ...base, uefi: { code: '/c.fd', vars: '/v.fd' } });
    expect(after(a, '-machine')).toEqual(['q35']);
    expect(after(a, '-drive')).toEqual(['file=/tmp/vm1.disk,format=raw,if=none,id=d0', 'if=pflash,format=raw,unit=0,readonly=on,file=/c.fd', 'if=pflash,format=raw,unit=1,file=/v.fd']);
    // OVMF's own PXE client must be what boots (option 93 = 7 -> ipxe.efi), not the ROM's iPXE.
    expect(after(a, '-device')).toEqual(['virtio-net-pci,netdev=n0,mac=52:54:00:c9:00:01,romfile=,bootindex=1', 'virtio-blk-pci,drive=d0,bootindex=2']);
    expect(after(a, '-fw_cfg')).toEqual(['name=opt/org.tianocore/IPv6PXESupport,string=no']);
    expect(after(a, '-boot')).toEqual([]);
    const disk = qemuArgs({ ...base, boot: 'disk', uefi: { code: '/c.fd', vars: '/v.fd' } });
    expect(after(disk, '-device')).toEqual(['virtio-net-pci,netdev=n0,mac=52:54:00:c9:00:01,romfile=', 'virtio-blk-pci,drive=d0,bootindex=1']);
    // Disk first, the network second: an empty disk fails over to OVMF's PXE client.
    const diskFirst = qemuArgs({ ...base, boot: 'disk-first', uefi: { code: '/c.fd', vars: '/v.fd' } });
    expect(after(diskFirst, '-device')).toEqual(['virtio-net-pci,netdev=n0,mac=52:54:00:c9:00:01,romfile=,bootindex=2', 'virtio-blk-pci,drive=d0,bootindex=1']);
  });

  it('has no monitor unless given a socket for one', () => {
    expect(after(qemuArgs(base), '-monitor')).toEqual(['none']);
    expect(after(qemuArgs({ ...base, monitor: '/tmp/vm1.mon' }), '-monitor')).toEqual(['unix:/tmp/vm1.mon,server=on,wait=off']);
    expect(() => qemuArgs({ ...base, monitor: '/tmp/a,b' })).toThrow(/monitor socket/);
  });

  it('refuses a bad MAC and VM numbers outside 1..255', () => {
    expect(() => qemuArgs({ ...base, mac: '52:54:00:c9:00' })).toThrow(/bad MAC/);
    expect(() => labMac(0)).toThrow(RangeError);
    expect(labMac(255)).toBe('52:54:00:c9:00:ff');
  });
});
