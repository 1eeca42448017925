import { linesFrom, rearmCommands } from './vm-refresh';

describe('rearmCommands', () => {
  it('re-arms one machine with a new image by the CLI only: the image, a collection of that machine, a required deployment that reboots', () => {
    expect(rearmCommands({ name: 'vm1', mac: '52:54:00:c9:00:01' }, 'vmdisk-v2', '/data/images/v2.img')).toEqual([
      ['image', 'add', 'vmdisk-v2', '/data/images/v2.img'],
      ['collection', 'add', 'vm1-vmdisk-v2', '--rule', 'mac:52:54:00:c9:00:01'],
      ['deployment', 'add', 'vm1-vmdisk-v2', '--image', 'vmdisk-v2', '--collection', 'vm1-vmdisk-v2', '--purpose', 'required', '--after', 'reboot'],
    ]);
  });
});

describe('linesFrom', () => {
  it('keeps the console from the reset on, timed from the reset', () => {
    const lines = [
      { t: 100, text: 'castpoint-vmlab-marker v1 booted from disk after 3.1 s' },
      { t: 130.5, text: 'SeaBIOS (version 1.16.2-debian-1.16.2-1)' },
      { t: 140, text: 'castpoint: machine vm1: deployment vm1-vmdisk-v2' },
    ];
    expect(linesFrom(lines, 1, 130)).toEqual([
      { t: 0.5, text: 'SeaBIOS (version 1.16.2-debian-1.16.2-1)' },
      { t: 10, text: 'castpoint: machine vm1: deployment vm1-vmdisk-v2' },
    ]);
  });
});
