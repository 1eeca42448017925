// Who is asking: a PXE ROM, iPXE, or a plain DHCP client, and for which firmware. Pure reading of
// a decoded DhcpMessage (RFC 4578 options 93/94/97, the PXE spec's vendor class, iPXE's 77/175).
import { DhcpOption, macOf, messageTypeOf, optionData, type DhcpMessage, type DhcpMessageTypeName } from './dhcp-message';

/**
 * Firmware kinds castpoint has a boot file for, by RFC 4578 option 93 (IANA "Processor
 * Architecture Types"): 0 is x86 BIOS; 7 (EFI BC, as firmware really uses it) and 9 (EFI x86-64)
 * are both x64 UEFI. Anything else is `other` with its number, and gets no answer.
 */
export type ClientArch = { readonly kind: 'bios' } | { readonly kind: 'efi-x64' } | { readonly kind: 'other'; readonly code: number };

export interface PxeClient {
  readonly mac: string;
  readonly messageType: DhcpMessageTypeName | undefined;
  /** Option 60 starts with "PXEClient": PXE firmware, or iPXE (which sends it too). */
  readonly pxe: boolean;
  /** iPXE: user class (77) "iPXE", or iPXE's encapsulated options (175). */
  readonly ipxe: boolean;
  /** From option 93, or the `Arch:NNNNN` part of option 60 when 93 is absent; undefined: neither. */
  readonly arch: ClientArch | undefined;
  /** Option 97 as sent (type byte then 16 bytes), to be echoed in replies as PXE requires. */
  readonly uuidOption: Uint8Array | undefined;
  /** The 16 UUID bytes of option 97 as lower-case hex, undefined when absent or malformed. */
  readonly uuid: string | undefined;
}

const PXE_VENDOR_CLASS = 'PXEClient';

export function archFromCode(code: number): ClientArch {
  if (code === 0) return { kind: 'bios' };
  if (code === 7 || code === 9) return { kind: 'efi-x64' };
  return { kind: 'other', code };
}

export function classifyClient(msg: DhcpMessage): PxeClient {
  const vendor = ascii(optionData(msg, DhcpOption.vendorClass));
  const pxe = vendor?.startsWith(PXE_VENDOR_CLASS) ?? false;
  const uuidOption = optionData(msg, DhcpOption.clientUuid);
  return {
    mac: macOf(msg),
    messageType: messageTypeOf(msg),
    pxe,
    ipxe: isIpxe(msg),
    arch: archOf(msg, pxe ? vendor : undefined),
    uuidOption,
    uuid: uuidOption?.length === 17 && uuidOption[0] === 0 ? Buffer.from(uuidOption.subarray(1)).toString('hex') : undefined,
  };
}

function archOf(msg: DhcpMessage, vendor: string | undefined): ClientArch | undefined {
  const a = optionData(msg, DhcpOption.clientArch);
  // A list of u16; the first is the one the client boots as.
  if (a && a.length >= 2) return archFromCode(((a[0] ?? 0) << 8) | (a[1] ?? 0));
  const m = vendor ? /^PXEClient:Arch:(\d{5})/.exec(vendor) : null;
  return m?.[1] !== undefined ? archFromCode(Number(m[1])) : undefined;
}

function isIpxe(msg: DhcpMessage): boolean {
  if (optionData(msg, DhcpOption.ipxeEncap) !== undefined) return true;
  const uc = optionData(msg, DhcpOption.userClass);
  if (!uc) return false;
  // iPXE sends the bare string; RFC 3004 clients send length-prefixed items: accept both.
  if (ascii(uc) === 'iPXE') return true;
  for (let at = 0; at < uc.length; ) {
    const len = uc[at] ?? 0;
    if (ascii(uc.subarray(at + 1, at + 1 + len)) === 'iPXE') return true;
    at += 1 + Math.max(len, 1);
  }
  return false;
}

function ascii(b: Uint8Array | undefined): string | undefined {
  return b === undefined ? undefined : String.fromCharCode(...b);
}
