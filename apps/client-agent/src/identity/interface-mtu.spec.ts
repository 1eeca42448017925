import { mtuField, readInterfaceMtu } from './interface-mtu';

describe('the receiving interface MTU', () => {
  const sysfs = (files: Record<string, string>) => (p: string): string => {
    const v = files[p];
    if (v === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return v;
  };

  it.each<[name: string, files: Record<string, string>, expected: number | undefined]>([
    ['eth0', { '/sys/class/net/eth0/mtu': '9000\n' }, 9000],
    ['eth0', { '/sys/class/net/eth0/mtu': '1500\n' }, 1500],
    ['eth1', { '/sys/class/net/eth0/mtu': '1500\n' }, undefined],
    ['eth0', { '/sys/class/net/eth0/mtu': 'junk\n' }, undefined],
    ['eth0', { '/sys/class/net/eth0/mtu': '68\n' }, undefined],
    ['../../etc', { '/sys/class/net/../../etc/mtu': '9000' }, undefined],
    ['', {}, undefined],
  ])('interface %p reads as %p', (name, files, expected) => {
    expect(readInterfaceMtu(name, sysfs(files))).toBe(expected);
  });

  it('is left out of the request when unknown and capped at 65535 (loopback\'s 65536)', () => {
    expect(mtuField(undefined)).toEqual({});
    expect(mtuField(9000)).toEqual({ mtu: 9000 });
    expect(mtuField(65_536)).toEqual({ mtu: 65_535 });
  });
});
