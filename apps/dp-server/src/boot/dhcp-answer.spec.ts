import { DhcpOption, messageTypeOf, type DhcpMessage } from '@castpoint/netboot';
import { answerDhcp, rivalServer, type DhcpAnswerContext } from './dhcp-answer';
import { LeasePool } from './lease-pool';

const text = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const MAC = Uint8Array.of(0x52, 0x54, 0x00, 0, 0, 1);

function msg(options: Array<[number, Uint8Array]>, over: Partial<DhcpMessage> = {}): DhcpMessage {
  return {
    op: 'request', htype: 1, hops: 0, xid: 7, secs: 0, broadcast: true,
    ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0',
    chaddr: MAC, sname: '', file: '',
    options: options.map(([code, data]) => ({ code, data })),
    ...over,
  };
}
const type = (t: number): [number, Uint8Array] => [DhcpOption.messageType, Uint8Array.of(t)];
const pxe: [number, Uint8Array] = [DhcpOption.vendorClass, text('PXEClient:Arch:00000:UNDI:002001')];
const arch = (a: number): [number, Uint8Array] => [DhcpOption.clientArch, Uint8Array.of(0, a)];
const ipxe: [number, Uint8Array] = [DhcpOption.userClass, text('iPXE')];

const SCRIPT = 'http://10.77.0.1:8080/boot/ipxe?mac=${netX/mac}&uuid=${uuid}';
const proxy: DhcpAnswerContext = { serverIp: '10.77.0.1', scriptUrl: SCRIPT };
const lab = (): DhcpAnswerContext => {
  const range = { start: '10.77.0.100', end: '10.77.0.101', netmask: '255.255.255.0' };
  return { ...proxy, lab: { range, pool: new LeasePool(range) } };
};

describe('answerDhcp in proxy mode', () => {
  const ROWS: Array<[string, 67 | 4011, DhcpMessage, string, string | undefined]> = [
    ['BIOS PXE discover: proxy offer of undionly.kpxe', 67, msg([type(1), pxe, arch(0)]), 'proxy-offer', 'undionly.kpxe'],
    ['UEFI x64 (7) discover: ipxe.efi', 67, msg([type(1), pxe, arch(7)]), 'proxy-offer', 'ipxe.efi'],
    ['UEFI x64 (9) discover: ipxe.efi', 67, msg([type(1), pxe, arch(9)]), 'proxy-offer', 'ipxe.efi'],
    ['iPXE discover: the script URL', 67, msg([type(1), pxe, arch(0), ipxe]), 'proxy-offer', SCRIPT],
    ['PXE request on 4011: proxy ACK', 4011, msg([type(3), pxe, arch(7)]), 'proxy-ack', 'ipxe.efi'],
    ['plain DHCP discover: nothing', 67, msg([type(1)]), 'not-pxe', undefined],
    ['ARM64 UEFI (11): nothing', 67, msg([type(1), pxe, arch(11)]), 'unsupported-arch', undefined],
    ['PXE REQUEST on 67 (for the LAN server): nothing', 67, msg([type(3), pxe, arch(0)]), 'unhandled-type', undefined],
    ['a reply: nothing', 67, msg([type(2), pxe], { op: 'reply' }), 'not-a-request', undefined],
  ];
  it.each(ROWS)('%s', (_, port, m, what, file) => {
    const a = answerDhcp(port, m, 0, proxy);
    expect(a.kind === 'reply' ? a.what : a.reason).toBe(what);
    if (a.kind === 'reply') {
      expect(a.message.file).toBe(file);
      expect(a.message.yiaddr).toBe('0.0.0.0');
      expect(a.message.siaddr).toBe('10.77.0.1');
    }
  });
});

describe('answerDhcp as the lab DHCP server', () => {
  it('leases a plain client an address (offer, then ack), with no boot file', () => {
    const ctx = lab();
    const offer = answerDhcp(67, msg([type(1)]), 0, ctx);
    expect(offer).toMatchObject({ kind: 'reply', what: 'lease-offer', message: { yiaddr: '10.77.0.100', file: '' } });
    const ack = answerDhcp(67, msg([type(3), [DhcpOption.requestedAddress, Uint8Array.of(10, 77, 0, 100)], [DhcpOption.serverId, Uint8Array.of(10, 77, 0, 1)]]), 1, ctx);
    expect(ack).toMatchObject({ kind: 'reply', what: 'lease-ack', message: { yiaddr: '10.77.0.100' } });
    if (ack.kind === 'reply') expect(messageTypeOf(ack.message)).toBe('ack');
  });

  it('gives a PXE client its address and boot file at once', () => {
    const a = answerDhcp(67, msg([type(1), pxe, arch(0)]), 0, lab());
    expect(a).toMatchObject({ kind: 'reply', what: 'lease-offer', message: { yiaddr: '10.77.0.100', siaddr: '10.77.0.1', file: 'undionly.kpxe' } });
  });

  it('NAKs an address that is another MAC\'s, ignores a request for another server, and runs out cleanly', () => {
    const ctx = lab();
    answerDhcp(67, msg([type(1)]), 0, ctx);
    const other = (n: number) => Uint8Array.of(0x52, 0x54, 0, 0, 0, n);
    const steal = answerDhcp(67, msg([type(3), [DhcpOption.requestedAddress, Uint8Array.of(10, 77, 0, 100)]], { chaddr: other(2) }), 0, ctx);
    expect(steal).toMatchObject({ kind: 'reply', what: 'nak' });
    const elsewhere = answerDhcp(67, msg([type(3), [DhcpOption.serverId, Uint8Array.of(10, 77, 0, 9)]], { chaddr: other(3) }), 0, ctx);
    expect(elsewhere).toMatchObject({ kind: 'ignore', reason: 'other-server' });
    answerDhcp(67, msg([type(1)], { chaddr: other(4) }), 0, ctx);
    expect(answerDhcp(67, msg([type(1)], { chaddr: other(5) }), 0, ctx)).toMatchObject({ kind: 'ignore', reason: 'no-free-address' });
    // A lease that ran out is free again.
    expect(answerDhcp(67, msg([type(1)], { chaddr: other(5) }), ctx.lab?.pool.leaseMs ?? 0, ctx)).toMatchObject({ kind: 'reply', what: 'lease-offer' });
  });
});

describe('rivalServer', () => {
  it('names another server offering a PXE boot, never this DP, and plain leases only in lab mode', () => {
    const pxeOffer = msg([type(2), [DhcpOption.serverId, Uint8Array.of(10, 77, 0, 9)], [DhcpOption.vendorClass, text('PXEClient')]], { op: 'reply', file: 'pxelinux.0' });
    expect(rivalServer(pxeOffer, '10.77.0.1', false)).toBe('10.77.0.9');
    expect(rivalServer(pxeOffer, '10.77.0.9', false)).toBeUndefined();
    const lease = msg([type(2), [DhcpOption.serverId, Uint8Array.of(10, 77, 0, 254)]], { op: 'reply', yiaddr: '10.77.0.50' });
    expect(rivalServer(lease, '10.77.0.1', false)).toBeUndefined();
    expect(rivalServer(lease, '10.77.0.1', true)).toBe('10.77.0.254');
  });
});
