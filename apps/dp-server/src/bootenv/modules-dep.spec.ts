import { BootenvError } from './errors';
import { loadOrder, moduleName, parseModulesDep } from './modules-dep';
import { MODULES_DEP_6_1 } from './modules-dep.fixtures';

const deps = parseModulesDep(MODULES_DEP_6_1);
const names = (paths: readonly string[]): string[] => paths.map(moduleName);

describe('moduleName', () => {
  it.each([
    ['kernel/drivers/usb/storage/usb-storage.ko', 'usb_storage'],
    ['kernel/drivers/net/virtio_net.ko.xz', 'virtio_net'],
    ['kernel/lib/crc64-rocksoft.ko.zst', 'crc64_rocksoft'],
  ])('%s is %s', (path, name) => expect(moduleName(path)).toBe(name));
});

describe('loadOrder', () => {
  it('puts every dependency before the module that needs it, each once', () => {
    const order = loadOrder(deps, ['virtio_pci', 'virtio_net', 'sd_mod', 'usb-storage', 'e1000']);
    expect(new Set(order).size).toBe(order.length);
    for (const [i, mod] of order.entries()) {
      for (const d of deps.get(mod) ?? []) expect(order.indexOf(d)).toBeLessThan(i);
    }
    expect(names(order)).toEqual([
      'virtio_pci_modern_dev', 'virtio_pci_legacy_dev', 'virtio_ring', 'virtio', 'virtio_pci',
      'failover', 'net_failover', 'virtio_net',
      'scsi_common', 'scsi_mod', 'crct10dif_common', 'crc_t10dif', 'crc64', 'crc64_rocksoft', 't10_pi', 'sd_mod',
      'usb_common', 'usbcore', 'usb_storage',
      'e1000',
    ]);
  });

  it('follows dependencies that modules.dep lists only one level deep', () => {
    const shallow = parseModulesDep('a.ko: b.ko\nb.ko: c.ko\nc.ko:\n');
    expect(loadOrder(shallow, ['a'])).toEqual(['c.ko', 'b.ko', 'a.ko']);
  });

  it('refuses a kernel that lacks a wanted driver, naming every missing one', () => {
    let err: unknown;
    try {
      loadOrder(deps, ['virtio_net', 'nvme', 'ahci']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BootenvError);
    expect((err as BootenvError).code).toBe('BOOTENV_MODULE_MISSING');
    expect((err as BootenvError).data).toEqual({ missing: ['nvme', 'ahci'] });
  });

  it('ignores blank and comment lines', () => {
    expect([...parseModulesDep('\n# x\nz.ko:\n').keys()]).toEqual(['z.ko']);
  });
});
