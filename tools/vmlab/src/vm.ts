import type { ChildProcess } from 'node:child_process';
import type { Lan } from '@castpoint/netlab';
import { monitorCommand } from './monitor';
import { qemuArgs, type VmSpec } from './qemu-args';
import { SerialLog, type SerialLine } from './serial-log';

export interface VmExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * A running lab VM: qemu in the LAN's bridge namespace (its tap lives there), the serial console
 * captured line by line with the seconds since power-on.
 */
export class Vm {
  readonly log: SerialLog;
  readonly ended: Promise<VmExit>;
  readonly startedAtMs: number;
  private readonly proc: ChildProcess;
  private stderr = '';
  private waiters: Array<(line: SerialLine) => void> = [];
  private exit: VmExit | undefined;

  private constructor(
    readonly spec: VmSpec,
    lan: Lan,
    onLine?: (vm: Vm, line: SerialLine) => void,
  ) {
    this.startedAtMs = Date.now();
    this.log = new SerialLog(this.startedAtMs);
    this.proc = lan.spawnInBridge('qemu-system-x86_64', qemuArgs(spec), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
      for (const line of this.log.feed(d, Date.now())) {
        onLine?.(this, line);
        for (const w of [...this.waiters]) w(line);
      }
    });
    this.proc.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-4000)));
    this.ended = new Promise((resolve) => {
      this.proc.on('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.proc.on('error', () => {
        this.exit = { code: null, signal: null };
        resolve(this.exit);
      });
    });
  }

  /** Powers the VM on (starts qemu). `onLine` sees every console line as it comes. */
  static start(lan: Lan, spec: VmSpec, onLine?: (vm: Vm, line: SerialLine) => void): Vm {
    return new Vm(spec, lan, onLine);
  }

  get name(): string {
    return this.spec.name;
  }

  /** qemu's own complaints (a missing ROM, a bad drive), for error messages. */
  get qemuStderr(): string {
    return this.stderr;
  }

  /**
   * Resolves with the first console line from now on (or already seen, `fromStart`) matching `re`.
   * Rejects when qemu ends first or after `timeoutMs`, with the console's last lines.
   */
  waitFor(re: RegExp, timeoutMs: number, fromStart = true): Promise<SerialLine> {
    const seen = fromStart ? this.log.find(re) : undefined;
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== onLine);
      };
      const onLine = (line: SerialLine): void => {
        if (!re.test(line.text)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no console line matching ${String(re)} within ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      this.waiters.push(onLine);
      void this.ended.then((e) => {
        if (!this.waiters.includes(onLine)) return;
        done();
        reject(new Error(`${this.name}: qemu ended (code ${String(e.code)}) before a console line matching ${String(re)}\n${this.tail()}${this.stderr}`));
      });
    });
  }

  /** Waits for qemu to end (the guest powered off), killing it after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<VmExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(new Error(`${this.name}: did not power off within ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.ended, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Presses the reset button (the monitor's `system_reset`): the firmware starts over as at
   * power-on, in the same qemu process, so the console log goes on. Needs `VmSpec.monitor`.
   */
  async reset(): Promise<void> {
    if (!this.spec.monitor) throw new RangeError(`${this.name} has no monitor socket (VmSpec.monitor) to reset it by`);
    if (this.exit) throw new Error(`${this.name}: qemu has ended (code ${String(this.exit.code)}), nothing to reset`);
    await monitorCommand(this.spec.monitor, 'system_reset');
  }

  /** Pulls the plug (SIGKILL), as tear-down does. */
  kill(): void {
    if (!this.exit) this.proc.kill('SIGKILL');
  }

  /** The console's last lines, for failure messages. */
  tail(n = 25): string {
    return this.log.lines.slice(-n).map((l) => `  [${l.t.toFixed(1)}] ${l.text}`).join('\n');
  }
}
