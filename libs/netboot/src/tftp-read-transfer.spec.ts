import { decodeTftp, type TftpPacket } from './tftp-codec';
import { TftpReadTransfer, type TftpAction } from './tftp-read-transfer';

const file = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);

function sent(actions: TftpAction[]): TftpPacket[] {
  return actions.flatMap((a) => {
    if (a.type !== 'send') return [];
    const r = decodeTftp(a.bytes);
    if (!r.ok) throw r.error;
    return [r.value];
  });
}

/** Drives a transfer like a well-behaved client, and returns the bytes it received. */
function fetchAll(t: TftpReadTransfer, now = 0): { data: Uint8Array; blocks: number } {
  const parts: Uint8Array[] = [];
  let actions = t.start(now);
  let blocks = 0;
  while (!t.finished) {
    const [p] = sent(actions);
    if (!p) throw new Error(`no packet: ${JSON.stringify(actions)}`);
    if (p.type === 'oack') actions = t.handle({ type: 'ack', block: 0 }, now);
    else if (p.type === 'data') {
      parts.push(p.data);
      blocks++;
      actions = t.handle({ type: 'ack', block: p.block }, now);
    } else throw new Error(`unexpected ${p.type}`);
  }
  return { data: Buffer.concat(parts), blocks };
}

describe('TftpReadTransfer', () => {
  it('without options: DATA in 512-byte blocks at once, the file whole', () => {
    const f = file(1300);
    const t = new TftpReadTransfer(f, {});
    const first = sent(t.start(0));
    expect(first[0]).toMatchObject({ type: 'data', block: 1 });
    const t2 = new TftpReadTransfer(f, {});
    const got = fetchAll(t2);
    expect(Buffer.compare(got.data, f)).toBe(0);
    expect(got.blocks).toBe(3);
  });

  it('negotiates blksize (capped at the frame size), tsize and timeout in an OACK', () => {
    const t = new TftpReadTransfer(file(5000), { blksize: '8192', tsize: '0', timeout: '3' });
    expect(sent(t.start(0))).toEqual([{ type: 'oack', options: { blksize: '1468', timeout: '3', tsize: '5000' } }]);
    expect(t.negotiated).toEqual({ blksize: 1468, timeoutMs: 3000 });
  });

  it('leaves out options out of range (blksize 4, timeout 0) and sends DATA at once', () => {
    const t = new TftpReadTransfer(file(10), { blksize: '4', timeout: '0' });
    expect(sent(t.start(0))[0]).toMatchObject({ type: 'data', block: 1 });
  });

  it('ends a file of whole blocks with an empty block', () => {
    const got = fetchAll(new TftpReadTransfer(file(1024), {}));
    expect(got.blocks).toBe(3);
    expect(got.data.length).toBe(1024);
  });

  it('retransmits on timeout, then gives up after maxRetries', () => {
    const t = new TftpReadTransfer(file(100), {}, { timeoutMs: 1000, maxRetries: 2 });
    const first = t.start(0);
    expect(t.tick(999)).toEqual([]);
    expect(t.tick(1000)).toEqual(first);
    expect(t.tick(2000)).toEqual(first);
    expect(t.tick(3000)).toEqual([{ type: 'failed', reason: 'no acknowledgement after 2 retransmissions' }]);
    expect(t.finished).toBe(true);
  });

  it('ignores a duplicate ACK of an earlier block (no Sorcerer\'s Apprentice)', () => {
    const t = new TftpReadTransfer(file(2000), {});
    t.start(0);
    expect(sent(t.handle({ type: 'ack', block: 1 }, 0))[0]).toMatchObject({ type: 'data', block: 2 });
    expect(t.handle({ type: 'ack', block: 1 }, 0)).toEqual([]);
  });

  it('wraps block numbers past 65535', () => {
    const f = file(70_000);
    const got = fetchAll(new TftpReadTransfer(f, { blksize: '8' }, { maxBlksize: 8 }));
    expect(got.blocks).toBe(8751);
    expect(Buffer.compare(got.data, f)).toBe(0);
  });

  it('stops on a client ERROR and answers anything but ACK with error 4', () => {
    const a = new TftpReadTransfer(file(10), { tsize: '0' });
    a.start(0);
    expect(a.handle({ type: 'error', code: 8, message: 'no' }, 0)).toEqual([{ type: 'failed', reason: 'client error 8: no' }]);
    const b = new TftpReadTransfer(file(10), {});
    b.start(0);
    const acts = b.handle({ type: 'data', block: 1, data: new Uint8Array(1) }, 0);
    expect(sent(acts)[0]).toMatchObject({ type: 'error', code: 4 });
    expect(acts.at(-1)).toMatchObject({ type: 'failed' });
  });
});
