// Public API of @castpoint/netboot: DHCP/PXE and TFTP codecs and the TFTP read engine. Pure: no
// sockets, no timers (the DP's boot service owns those).
export * from './errors';
export * from './dhcp-message';
export * from './dhcp-codec';
export * from './pxe-client';
export * from './pxe-replies';
export * from './tftp-codec';
export * from './tftp-read-transfer';
