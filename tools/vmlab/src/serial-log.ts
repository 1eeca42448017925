/** One console line and when it was complete, in seconds since the VM was powered on. */
export interface SerialLine {
  readonly t: number;
  readonly text: string;
}

// Terminal control sequences (SeaBIOS and the kernel clear the screen, wrap modes): CSI, OSC, and
// the two-byte ESC forms.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_c])/g;

/** Splits a VM's serial bytes into timestamped text lines (control sequences and CRs removed). */
export class SerialLog {
  readonly lines: SerialLine[] = [];
  private partial = '';

  constructor(private readonly startMs: number) {}

  /** Adds bytes read at `nowMs`; returns the lines they completed. */
  feed(chunk: string, nowMs: number): SerialLine[] {
    this.partial += chunk;
    const parts = this.partial.split('\n');
    this.partial = parts.pop() ?? '';
    const t = (nowMs - this.startMs) / 1000;
    const done = parts.map((p) => ({ t, text: p.replace(ANSI, '').replace(/\r/g, '') })).filter((l) => l.text.trim() !== '');
    this.lines.push(...done);
    return done;
  }

  /** The log as text, one `[  12.3] line` per line. */
  format(): string {
    return this.lines.map((l) => `[${l.t.toFixed(1).padStart(6)}] ${l.text}`).join('\n');
  }

  /** The first line matching `re`, if one came. */
  find(re: RegExp): SerialLine | undefined {
    return this.lines.find((l) => re.test(l.text));
  }
}
