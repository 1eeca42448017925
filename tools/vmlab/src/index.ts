export { labMac, qemuArgs, type VmSpec } from './qemu-args';
export { SerialLog, type SerialLine } from './serial-log';
export { Vm, type VmExit } from './vm';
export { mbrSector, type MbrPartition } from './mbr';
export { buildTestDisk, markerInit, syslinuxConfig, type TestDiskOptions } from './test-disk';
export { startLabDhcp, udhcpdConfig } from './lab-dhcp';
export { vmSupport, type VmSupport } from './support';
export { LAB_IPV6_PREFIX, routerAdvertArgs, startRouterAdverts } from './router-adverts';
