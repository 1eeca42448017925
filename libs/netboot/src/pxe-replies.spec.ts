import { decodeDhcp, encodeDhcp } from './dhcp-codec';
import { DhcpOption, messageTypeOf, optionData } from './dhcp-message';
import { DHCP_FIXTURES } from './dhcp.fixtures';
import { NETBOOT_ERROR_CODES } from './errors';
import { classifyClient } from './pxe-client';
import { leaseNak, leaseReply, proxyAck } from './pxe-replies';

const row = (i: number) => {
  const f = DHCP_FIXTURES[i];
  if (!f) throw new Error(`fixture ${i} missing`);
  return f.message;
};
const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('latin1') : undefined);
const lease = { address: '10.77.0.100', netmask: '255.255.255.0', leaseSeconds: 3600 };

describe('boot replies', () => {
  it('a proxy ACK carries the file and no address', () => {
    const req = row(1);
    const ack = proxyAck(req, classifyClient(req), { serverIp: '10.77.0.1', bootFile: 'ipxe.efi' });
    const back = decodeDhcp(encodeDhcp(ack));
    if (!back.ok) throw back.error;
    expect(messageTypeOf(back.value)).toBe('ack');
    expect(back.value).toMatchObject({ op: 'reply', xid: 0x12345678, yiaddr: '0.0.0.0', siaddr: '10.77.0.1', file: 'ipxe.efi' });
    expect(text(optionData(back.value, DhcpOption.vendorClass))).toBe('PXEClient');
  });

  it('a lease for a plain client has the address, mask and lease time but no boot file', () => {
    const req = row(3);
    const offer = decodeDhcp(encodeDhcp(leaseReply('offer', req, classifyClient(req), '10.77.0.1', lease, undefined)));
    if (!offer.ok) throw offer.error;
    expect(offer.value).toMatchObject({ yiaddr: '10.77.0.100', siaddr: '0.0.0.0', file: '' });
    expect(messageTypeOf(offer.value)).toBe('offer');
    expect([...(optionData(offer.value, DhcpOption.leaseTime) ?? [])]).toEqual([0, 0, 0x0e, 0x10]);
    expect([...(optionData(offer.value, DhcpOption.subnetMask) ?? [])]).toEqual([255, 255, 255, 0]);
    expect(optionData(offer.value, DhcpOption.vendorClass)).toBeUndefined();
  });

  it('a lease for a PXE client names the boot file too', () => {
    const req = row(0);
    const ack = leaseReply('ack', req, classifyClient(req), '10.77.0.1', lease, { serverIp: '10.77.0.1', bootFile: 'undionly.kpxe' });
    expect(ack).toMatchObject({ yiaddr: '10.77.0.100', siaddr: '10.77.0.1', file: 'undionly.kpxe' });
    expect(messageTypeOf(ack)).toBe('ack');
  });

  it('a NAK names the server only', () => {
    const nak = leaseNak(row(4), '10.77.0.1');
    expect(messageTypeOf(nak)).toBe('nak');
    expect(nak.yiaddr).toBe('0.0.0.0');
  });

  it('every error code has a sentence', () => {
    for (const [code, sentence] of Object.entries(NETBOOT_ERROR_CODES)) expect(`${code}: ${sentence}`).toMatch(/^[a-z-]+: [A-Z].{20,}\.$/);
  });
});
