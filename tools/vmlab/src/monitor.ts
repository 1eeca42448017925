// qemu's human monitor (HMP) on a unix socket: the lab's way to press a VM's reset button
// (`system_reset`), as an operator would restart a machine that is running its installed system.
// A unix socket is a file: the test reaches it from the host although qemu runs in the LAN's
// bridge namespace.
import { connect } from 'node:net';

/** What qemu prints when it waits for the next command. */
const PROMPT = '(qemu) ';

export class MonitorError extends Error {
  constructor(
    readonly code: 'VMLAB_MONITOR_CONNECT' | 'VMLAB_MONITOR_TIMEOUT' | 'VMLAB_MONITOR_CLOSED',
    message: string,
  ) {
    super(message);
    this.name = 'MonitorError';
  }
}

/**
 * Runs one HMP command: connects, waits for the greeting's prompt, sends `command`, and resolves
 * with what qemu printed before its next prompt (empty for `system_reset`).
 */
export function monitorCommand(socketPath: string, command: string, timeoutMs = 10_000): Promise<string> {
  if (/[\r\n]/.test(command)) throw new RangeError('one monitor command, without line breaks');
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let text = '';
    let sent = false;
    let settled = false;
    const finish = (err: Error | undefined, out = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(out);
    };
    const timer = setTimeout(() => finish(new MonitorError('VMLAB_MONITOR_TIMEOUT', `qemu monitor ${socketPath}: no prompt within ${timeoutMs} ms (${sent ? 'after' : 'before'} \`${command}\`)`)), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      text += d;
      const at = text.indexOf(PROMPT);
      if (at < 0) return;
      if (!sent) {
        // The greeting ends at the first prompt; everything after it answers our command.
        text = text.slice(at + PROMPT.length);
        sent = true;
        sock.write(`${command}\r\n`);
        return;
      }
      // qemu echoes the command line first.
      const out = text.slice(0, at).replace(/\r/g, '').split('\n');
      finish(undefined, out.filter((l, i) => !(i === 0 && l.includes(command))).join('\n').trim());
    });
    sock.on('error', (err) => finish(new MonitorError('VMLAB_MONITOR_CONNECT', `qemu monitor ${socketPath}: ${err.message}`)));
    sock.on('close', () => finish(new MonitorError('VMLAB_MONITOR_CLOSED', `qemu monitor ${socketPath} closed ${sent ? 'before answering' : 'before its prompt'} \`${command}\``)));
  });
}
