import type { Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { TransportWarning } from './endpoint';
import { asTransportError } from './errors';

/** Reads net.core.rmem_max / wmem_max of the current network namespace, if the file is there. */
export function readKernelMax(which: 'rmem_max' | 'wmem_max'): number | undefined {
  try {
    const n = Number(readFileSync(`/proc/sys/net/core/${which}`, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decides whether the kernel capped a buffer request. Linux grants min(requested, max) and reports
 * twice that (it counts its own bookkeeping), so anything under the request means it was capped.
 * Pure, so the rule is unit-tested without sockets.
 */
export function cappedWarning(kind: 'recv' | 'send', requested: number, actual: number, kernelMax: number | undefined): TransportWarning | undefined {
  if (actual >= requested) return undefined;
  const sysctl = kind === 'recv' ? 'net.core.rmem_max' : 'net.core.wmem_max';
  const max = kernelMax === undefined ? '' : ` (${sysctl} = ${kernelMax})`;
  return {
    code: kind === 'recv' ? 'RECV_BUFFER_CAPPED' : 'SEND_BUFFER_CAPPED',
    message: `${kind} buffer of ${requested} bytes requested, kernel granted ${actual}${max}; raise it with sysctl -w ${sysctl}=${requested}`,
    requested,
    actual,
    ...(kernelMax === undefined ? {} : { kernelMax }),
  };
}

/** Sets the requested buffer sizes on a bound socket and returns a warning per capped one. */
export function applyBufferSizes(sock: Socket, recv: number | undefined, send: number | undefined): TransportWarning[] {
  const out: TransportWarning[] = [];
  try {
    if (recv !== undefined) {
      sock.setRecvBufferSize(recv);
      const w = cappedWarning('recv', recv, sock.getRecvBufferSize(), readKernelMax('rmem_max'));
      if (w) out.push(w);
    }
    if (send !== undefined) {
      sock.setSendBufferSize(send);
      const w = cappedWarning('send', send, sock.getSendBufferSize(), readKernelMax('wmem_max'));
      if (w) out.push(w);
    }
  } catch (err) {
    throw asTransportError('TRANSPORT_BAD_OPTION', 'setting socket buffer size failed', err, { option: 'bufferSize' });
  }
  return out;
}
