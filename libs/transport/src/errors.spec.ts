import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TRANSPORT_ERROR_CODES, TransportError, asTransportError, isTransportError } from './errors';
import { resolveOptions } from './options';
import type { OpenUdpOptions } from './endpoint';
import { CastpointError } from '@castpoint/wire';

describe('TRANSPORT_ERROR_CODES', () => {
  const codes = Object.keys(TRANSPORT_ERROR_CODES);

  it('are unique, prefixed and each documented with a sentence here and in docs/transport.md', () => {
    expect(new Set(codes).size).toBe(codes.length);
    const doc = readFileSync(path.resolve(__dirname, '../../../docs/transport.md'), 'utf8');
    for (const [code, sentence] of Object.entries(TRANSPORT_ERROR_CODES)) {
      expect(code).toMatch(/^TRANSPORT_[A-Z_]+$/);
      expect(sentence).toMatch(/^[A-Z].{20,}\.$/);
      expect(doc).toContain(`\`${code}\``);
    }
  });

  it('TransportError is a CastpointError with code and data', () => {
    const e = new TransportError('TRANSPORT_BIND_FAILED', 'x', { address: '0.0.0.0', port: 1, errno: 'EADDRINUSE' });
    expect(e).toBeInstanceOf(CastpointError);
    expect(e).toMatchObject({ code: 'TRANSPORT_BIND_FAILED', data: { port: 1, errno: 'EADDRINUSE' }, name: 'TransportError' });
  });
});

describe('resolveOptions', () => {
  it('fills the documented defaults', () => {
    expect(resolveOptions({ multicast: { interface: '10.0.0.1' } })).toEqual({
      address: '0.0.0.0',
      port: 0,
      reuseAddr: false,
      multicast: { interface: '10.0.0.1', ttl: 1, loopback: true },
      maxInFlight: 64,
      readBufferDatagrams: 4096,
      batchedReads: false,
      lendDatagrams: false,
      batchedSends: false,
    });
  });

  it.each<[string, OpenUdpOptions]>([
    ['IPv6 bind address', { address: '::' }],
    ['host name', { address: 'localhost' }],
    ['port out of range', { port: 65536 }],
    ['fractional port', { port: 1.5 }],
    ['interface name instead of address', { multicast: { interface: 'eth0' } }],
    ['missing interface', { multicast: {} as { interface: string } }],
    ['unicast group', { multicast: { interface: '10.0.0.1', group: '10.0.0.9' } }],
    ['ttl 256', { multicast: { interface: '10.0.0.1', ttl: 256 } }],
    ['zero buffer', { recvBufferSize: 0 }],
    ['zero in flight', { maxInFlight: 0 }],
    ['batchedReads not a boolean', { batchedReads: 'yes' as unknown as boolean }],
    ['batchedSends not a boolean', { batchedSends: 1 as unknown as boolean }],
    ['lendDatagrams not a boolean', { lendDatagrams: 1 as unknown as boolean }],
  ])('%s is TRANSPORT_BAD_OPTION', (_name, o) => {
    expect(() => resolveOptions(o)).toThrow(expect.objectContaining({ code: 'TRANSPORT_BAD_OPTION' }));
  });

  it('asTransportError keeps the cause and its errno, and never wraps a TransportError twice', () => {
    const os = Object.assign(new Error('address in use'), { code: 'EADDRINUSE' });
    const e = asTransportError('TRANSPORT_BIND_FAILED', 'cannot bind 0.0.0.0:9', os, { address: '0.0.0.0', port: 9 });
    expect(e).toMatchObject({ message: 'cannot bind 0.0.0.0:9: address in use', data: { address: '0.0.0.0', port: 9, errno: 'EADDRINUSE' }, cause: os });
    expect(asTransportError('TRANSPORT_SOCKET_ERROR', 'again', e, {})).toBe(e);
    if (!isTransportError(e, 'TRANSPORT_BIND_FAILED')) throw new Error('expected TRANSPORT_BIND_FAILED');
    const port: number = e.data.port;
    expect(port).toBe(9);
  });
});
