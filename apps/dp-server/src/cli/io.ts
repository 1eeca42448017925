// What the command handlers touch of the process, so that specs run them against an in-process DP
// with captured output and a test clock (yargs itself stays in cli.ts: it is ESM-only and jest
// cannot load it).

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal: the import's elapsed-time line is drawn only there. */
  readonly errIsTty: boolean;
  now(): number;
  /** Calls `fn` every `ms` until the returned stop function is called. */
  every(ms: number, fn: () => void): () => void;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export function processIo(): CliIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    errIsTty: process.stderr.isTTY === true,
    now: () => Date.now(),
    every: (ms, fn) => {
      const t = setInterval(fn, ms);
      return () => clearInterval(t);
    },
  };
}
