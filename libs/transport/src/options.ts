import type { OpenUdpOptions } from './endpoint';
import { TransportError } from './errors';
import { requireGroup, requireIpv4, requirePort, requirePositiveInt, requireTtl } from './ipv4';

/** OpenUdpOptions with every default filled in and every field checked. */
export interface ResolvedOptions {
  readonly address: string;
  readonly port: number;
  readonly reuseAddr: boolean;
  readonly multicast?: { readonly group?: string; readonly interface: string; readonly ttl: number; readonly loopback: boolean };
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
  readonly maxInFlight: number;
  readonly readBufferDatagrams: number;
  readonly batchedReads: boolean;
  readonly lendDatagrams: boolean;
  readonly batchedSends: boolean;
  readonly loadKoffi?: () => unknown;
}

function requireBoolean(option: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new TransportError('TRANSPORT_BAD_OPTION', `${option} must be true or false`, { option });
  return v;
}

function requireFunction<F>(option: string, v: F): F {
  if (typeof v !== 'function') throw new TransportError('TRANSPORT_BAD_OPTION', `${option} must be a function`, { option });
  return v;
}

/** Checks options once, for both implementations, so bad input fails the same way everywhere. */
export function resolveOptions(opts: OpenUdpOptions = {}): ResolvedOptions {
  if (typeof opts !== 'object' || opts === null) throw new TransportError('TRANSPORT_BAD_OPTION', 'options must be an object', { option: 'options' });
  const m = opts.multicast;
  let multicast: ResolvedOptions['multicast'];
  if (m !== undefined) {
    if (m.interface === undefined) {
      throw new TransportError('TRANSPORT_BAD_OPTION', 'multicast.interface is required: name the IPv4 address of the interface to use', { option: 'multicast.interface' });
    }
    multicast = {
      interface: requireIpv4('multicast.interface', m.interface),
      ttl: requireTtl(m.ttl ?? 1),
      loopback: m.loopback ?? true,
      ...(m.group === undefined ? {} : { group: requireGroup('multicast.group', m.group) }),
    };
  }
  return {
    address: requireIpv4('address', opts.address ?? '0.0.0.0'),
    port: requirePort('port', opts.port ?? 0, true),
    reuseAddr: opts.reuseAddr ?? false,
    ...(multicast ? { multicast } : {}),
    ...(opts.recvBufferSize === undefined ? {} : { recvBufferSize: requirePositiveInt('recvBufferSize', opts.recvBufferSize) }),
    ...(opts.sendBufferSize === undefined ? {} : { sendBufferSize: requirePositiveInt('sendBufferSize', opts.sendBufferSize) }),
    maxInFlight: requirePositiveInt('maxInFlight', opts.maxInFlight ?? 64),
    readBufferDatagrams: requirePositiveInt('readBufferDatagrams', opts.readBufferDatagrams ?? 4096),
    batchedReads: requireBoolean('batchedReads', opts.batchedReads ?? false),
    lendDatagrams: requireBoolean('lendDatagrams', opts.lendDatagrams ?? false),
    batchedSends: requireBoolean('batchedSends', opts.batchedSends ?? false),
    ...(opts.loadKoffi === undefined ? {} : { loadKoffi: requireFunction('loadKoffi', opts.loadKoffi) }),
  };
}
