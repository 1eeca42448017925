import { spawnSync } from 'node:child_process';
import { udhcpdConfig } from './lab-dhcp';
import { markerInit, syslinuxConfig } from './test-disk';

describe('test disk pieces', () => {
  it('boots the kernel with a serial console and no prompt', () => {
    expect(syslinuxConfig()).toContain('SERIAL 0 115200');
    expect(syslinuxConfig()).toContain('APPEND initrd=/initrd.img console=ttyS0');
    expect(syslinuxConfig()).toContain('TIMEOUT 0');
  });

  it('prints the marker on ttyS0 and powers off, from a valid script', () => {
    const init = markerInit('castpoint-vmlab-marker v2');
    expect(init).toContain('echo "castpoint-vmlab-marker v2 booted from disk');
    expect(init).toContain('poweroff -f');
    expect(spawnSync('sh', ['-n'], { input: init }).status).toBe(0);
  });

  it('idles after the marker when asked, never letting PID 1 end', () => {
    const init = markerInit('castpoint-vmlab-marker v1', 'idle');
    expect(init).not.toContain('poweroff');
    expect(init).toMatch(/while :; do \/bin\/busybox sleep \d+; done\n$/);
    expect(spawnSync('sh', ['-n'], { input: init }).status).toBe(0);
  });

  it('refuses a marker that would need quoting', () => {
    expect(() => markerInit('v1"; reboot')).toThrow(RangeError);
  });

  it('leases from .100 to .199 of the server subnet, without a router', () => {
    const c = udhcpdConfig('10.78.0.1', '/tmp/d');
    expect(c).toContain('start 10.78.0.100\nend 10.78.0.199\ninterface eth0');
    expect(c).toContain('lease_file /tmp/d/udhcpd.leases');
    expect(c).not.toContain('router');
    expect(() => udhcpdConfig('nope', '/tmp/d')).toThrow(RangeError);
  });
});
