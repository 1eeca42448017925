// What a real socket does with lendDatagrams, for tests over MemoryNetwork: every datagram in one
// shared buffer, valid only while the listener runs, and scribbled over once it returns, so a view
// the agent kept (a symbol not copied) puts 0xee bytes into a block and fails its chunk.
import type { DatagramListener, UdpEndpoint } from '@castpoint/transport';

export function lending(ep: UdpEndpoint): UdpEndpoint {
  const shared = Buffer.alloc(65_536);
  const onDatagram = (fn: DatagramListener): void =>
    ep.onDatagram((bytes, from) => {
      const view = shared.subarray(0, bytes.length);
      view.set(bytes);
      fn(view, from);
      view.fill(0xee);
    });
  return new Proxy(ep, {
    get: (target, key) => {
      if (key === 'onDatagram') return onDatagram;
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
