// The TFTP server on 127.0.0.1 (loopback only: unicast, no broadcast), a real socket each side.
import { createSocket, type Socket } from 'node:dgram';
import { decodeTftp, encodeTftp, type TftpPacket } from '@castpoint/netboot';
import pino from 'pino';
import { BootCounters } from './boot-counters';
import { BootFiles } from './boot-files';
import { TftpServer } from './tftp-server';

const KPXE = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 13) & 0xff));
const files = BootFiles.of({ 'undionly.kpxe': KPXE, 'ipxe.efi': Buffer.alloc(1024, 1), 'snponly.efi': Buffer.alloc(10, 2) });

/** Reads `file` like a firmware client; resolves with the bytes or the server's error. */
function read(port: number, file: string, options: Record<string, string> = {}): Promise<{ data?: Buffer; error?: { code: number; message: string }; oack?: Record<string, string> }> {
  const s: Socket = createSocket('udp4');
  const parts: Buffer[] = [];
  let blksize = Number(options['blksize'] ?? 512);
  let oack: Record<string, string> | undefined;
  return new Promise((resolve, reject) => {
    const end = (v: { data?: Buffer; error?: { code: number; message: string } }) => s.close(() => resolve({ ...v, ...(oack ? { oack } : {}) }));
    s.on('message', (m, r) => {
      const d = decodeTftp(m);
      if (!d.ok) return reject(d.error);
      const p: TftpPacket = d.value;
      if (p.type === 'error') return end({ error: { code: p.code, message: p.message } });
      if (p.type === 'oack') {
        oack = { ...p.options };
        blksize = Number(p.options['blksize'] ?? 512);
        s.send(encodeTftp({ type: 'ack', block: 0 }), r.port, r.address);
      }
      if (p.type === 'data') {
        parts.push(Buffer.from(p.data));
        s.send(encodeTftp({ type: 'ack', block: p.block }), r.port, r.address, () => {
          if (p.data.length < blksize) end({ data: Buffer.concat(parts) });
        });
      }
    });
    s.send(encodeTftp({ type: 'rrq', file, mode: 'octet', options }), port, '127.0.0.1');
  });
}

describe('TftpServer', () => {
  const counters = new BootCounters();
  const server = new TftpServer({ address: '127.0.0.1', port: 0, files, counters, log: pino({ level: 'silent' }), now: Date.now });
  beforeAll(() => server.start('127.0.0.1'));
  afterAll(() => server.stop());

  it('serves a boot file byte-identical, with and without options', async () => {
    expect((await read(server.port, 'undionly.kpxe')).data?.equals(KPXE)).toBe(true);
    const big = await read(server.port, '/undionly.kpxe', { blksize: '1468', tsize: '0' });
    expect(big.data?.equals(KPXE)).toBe(true);
    expect(big.oack).toEqual({ blksize: '1468', tsize: '3000' });
    // 1024 bytes in 512-byte blocks: two full blocks and an empty one.
    expect((await read(server.port, 'ipxe.efi')).data?.length).toBe(1024);
  });

  it.each(['../undionly.kpxe', '../../etc/passwd', '/usr/lib/ipxe/undionly.kpxe', 'UNDIONLY.KPXE', 'undionly.kpxe/..', '//undionly.kpxe', 'ipxe.lkrn', 'state.json'])('refuses %s (file not found)', async (name) => {
    expect(await read(server.port, name)).toEqual({ error: { code: 1, message: 'not a boot file of this server' } });
  });

  it('refuses writes, and drops and counts malformed requests', async () => {
    const w = createSocket('udp4');
    const reply = new Promise<Buffer>((resolve) => w.once('message', (m) => resolve(m)));
    w.send(encodeTftp({ type: 'wrq', file: 'undionly.kpxe', mode: 'octet', options: {} }), server.port, '127.0.0.1');
    const d = decodeTftp(await reply);
    expect(d.ok && d.value).toMatchObject({ type: 'error', code: 2 });
    const before = counters.tftpMalformed.get('bad-opcode') ?? 0;
    await new Promise<void>((ok) => w.send(Buffer.from([0, 9, 0, 0]), server.port, '127.0.0.1', () => ok()));
    // A well-formed read after it is answered, so the bad one was handled (dropped) before it.
    expect((await read(server.port, 'snponly.efi')).data?.length).toBe(10);
    expect(counters.tftpMalformed.get('bad-opcode')).toBe(before + 1);
    expect(counters.tftpTransfers.get('write-refused')).toBe(1);
    w.close();
  });
});
