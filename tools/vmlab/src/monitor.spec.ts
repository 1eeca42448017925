import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorCommand } from './monitor';

/** A stand-in for qemu's HMP on a unix socket: greeting, prompt, echo, answer, prompt. */
function fakeMonitor(file: string, answer: (cmd: string, s: Socket) => void): Promise<{ server: Server; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((s) => {
    s.setEncoding('utf8');
    // qemu sends the greeting and prompt in pieces; the client must wait for the whole prompt.
    s.write('QEMU 7.2.19 monitor - type \'help\' for more information\r\n(qe');
    setImmediate(() => s.write('mu) '));
    let buf = '';
    s.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      const cmd = buf.slice(0, nl);
      buf = buf.slice(nl + 2);
      seen.push(cmd);
      s.write(`${cmd}\r\n`);
      answer(cmd, s);
    });
  });
  return new Promise((resolve) => server.listen(file, () => resolve({ server, seen })));
}

describe('monitorCommand', () => {
  let dir = '';
  let server: Server | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vmlab-mon-'));
  });
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the command after the greeting and resolves at the next prompt with what qemu printed', async () => {
    const sock = path.join(dir, 'm');
    const f = await fakeMonitor(sock, (cmd, s) => s.write(cmd === 'info status' ? 'VM status: running\r\n(qemu) ' : '(qemu) '));
    server = f.server;
    await expect(monitorCommand(sock, 'system_reset')).resolves.toBe('');
    await expect(monitorCommand(sock, 'info status')).resolves.toBe('VM status: running');
    expect(f.seen).toEqual(['system_reset', 'info status']);
  });

  it('fails with a code when nothing listens, when qemu hangs up, or when no prompt comes', async () => {
    await expect(monitorCommand(path.join(dir, 'none'), 'system_reset')).rejects.toMatchObject({ code: 'VMLAB_MONITOR_CONNECT' });
    const sock = path.join(dir, 'm');
    const f = await fakeMonitor(sock, (cmd, s) => (cmd === 'quit' ? s.destroy() : undefined));
    server = f.server;
    await expect(monitorCommand(sock, 'quit')).rejects.toMatchObject({ code: 'VMLAB_MONITOR_CLOSED' });
    await expect(monitorCommand(sock, 'stop', 200)).rejects.toMatchObject({ code: 'VMLAB_MONITOR_TIMEOUT' });
    expect(() => monitorCommand(sock, 'a\nb')).toThrow(RangeError);
  });
});
