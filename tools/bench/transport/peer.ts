// One side of the transport benchmark, run inside a netlab host namespace (never in the machine's
// own namespace: it sends multicast).
//   peer.cjs recv GROUP PORT IFACE IDLE_MS          prints "ready", then one JSON line when idle
//   peer.cjs send GROUP PORT IFACE SECONDS RATE_BPS  RATE_BPS 0 = as fast as the socket takes them
//   peer.cjs bufwarn - - IFACE BYTES                 prints the buffer warnings of openUdpSocket
import { openUdpSocket, runPaced, type Datagram } from '@castpoint/transport';

const SIZE = 1400;

async function recv(group: string, port: number, iface: string, idleMs: number): Promise<void> {
  const ep = await openUdpSocket({ port, reuseAddr: true, recvBufferSize: 16 << 20, readBufferDatagrams: 65_536, multicast: { interface: iface, group } });
  for (const w of ep.warnings) process.stderr.write(`warning: ${w.message}\n`);
  let count = 0;
  let bytes = 0;
  let maxSeq = -1;
  let firstNs = 0n;
  let lastNs = 0n;
  ep.readable.on('data', (d: Datagram) => {
    const now = process.hrtime.bigint();
    if (count === 0) firstNs = now;
    lastNs = now;
    count++;
    bytes += d.bytes.length;
    const seq = new DataView(d.bytes.buffer, d.bytes.byteOffset).getUint32(0);
    if (seq > maxSeq) maxSeq = seq;
  });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (count > 0 && Number(process.hrtime.bigint() - lastNs) / 1e6 > idleMs) {
        clearInterval(t);
        resolve();
      }
    }, 50);
  });
  const elapsedNs = Number(lastNs - firstNs);
  const st = ep.stats();
  await ep.close();
  process.stdout.write(`${JSON.stringify({ received: count, bytes, expected: maxSeq + 1, elapsedNs, droppedOnRead: st.droppedOnRead })}\n`);
}

async function send(group: string, port: number, iface: string, seconds: number, rateBps: number): Promise<void> {
  const ep = await openUdpSocket({ sendBufferSize: 4 << 20, multicast: { interface: iface, loopback: false } });
  for (const w of ep.warnings) process.stderr.write(`warning: ${w.message}\n`);
  const to = { address: group, port };
  const endNs = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  let seq = 0;
  // A small ring of buffers: a datagram's buffer is reused only after its send completed long ago.
  const ring = Array.from({ length: 1024 }, () => new Uint8Array(SIZE));
  const next = (): Uint8Array | undefined => {
    if ((seq & 63) === 0 && process.hrtime.bigint() >= endNs) return undefined;
    const b = ring[seq % ring.length] as Uint8Array;
    new DataView(b.buffer).setUint32(0, seq++);
    return b;
  };
  let result: { datagrams: number; bytes: number; elapsedNs: number };
  if (rateBps > 0) {
    result = await runPaced({ rateBitsPerSec: rateBps, next, send: (b, done) => ep.sendCb(b, to, done) }).done;
  } else {
    result = await unpaced(next, (b, done) => ep.sendCb(b, to, done));
  }
  await ep.close();
  process.stdout.write(`${JSON.stringify({ sent: result.datagrams, bytes: result.bytes, elapsedNs: result.elapsedNs })}\n`);
}

/** As fast as the socket completes sends, keeping a window of them in flight. */
function unpaced(next: () => Uint8Array | undefined, sendCb: (b: Uint8Array, done: (err?: Error) => void) => void): Promise<{ datagrams: number; bytes: number; elapsedNs: number }> {
  const start = process.hrtime.bigint();
  let datagrams = 0;
  let bytes = 0;
  let inFlight = 0;
  let ended = false;
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      while (!ended && inFlight < 256) {
        const b = next();
        if (b === undefined) {
          ended = true;
          break;
        }
        inFlight++;
        datagrams++;
        bytes += b.length;
        sendCb(b, onDone);
      }
      if (ended && inFlight === 0) resolve({ datagrams, bytes, elapsedNs: Number(process.hrtime.bigint() - start) });
    };
    const onDone = (err?: Error): void => {
      inFlight--;
      if (err) reject(err);
      else if (inFlight === 128 || (ended && inFlight === 0)) setImmediate(pump);
    };
    pump();
  });
}

/** Asks for more receive buffer than the kernel allows and prints the warnings it got back. */
async function bufwarn(iface: string, requested: number): Promise<void> {
  const ep = await openUdpSocket({ recvBufferSize: requested, multicast: { interface: iface } });
  const emitted: unknown[] = [];
  ep.readable.on('warning', (w) => emitted.push(w));
  await new Promise((r) => setImmediate(r));
  await ep.close();
  process.stdout.write(`${JSON.stringify({ warnings: ep.warnings, emitted: emitted.length })}\n`);
}

const [mode, group = '', port = '0', iface = '', a = '0', b = '0'] = process.argv.slice(2);
const job = mode === 'bufwarn' ? bufwarn(iface, Number(a)) : mode === 'recv' ? recv(group, Number(port), iface, Number(a)) : mode === 'send' ? send(group, Number(port), iface, Number(a), Number(b)) : Promise.reject(new Error(`unknown mode ${String(mode)}`));
job.catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
