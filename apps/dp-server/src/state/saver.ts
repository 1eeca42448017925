// Coalesced state saves. A change marks the state dirty; one write of the whole file follows within
// SAVE_INTERVAL_MS, off the event loop, however many changes came in between (a request flood did
// two synchronous fsync'd rewrites per request). A write that fails (a full disk) is not fatal: the
// condition is kept for the health endpoint, metrics and dashboard, and the write is retried every
// SAVE_RETRY_MS until it succeeds. Crash safety is the writer's (temp file, fsync, rename).

/** The longest a change waits before it is written. @default 200 */
export const SAVE_INTERVAL_MS = 200;
/** While saving fails, the next attempt comes this long after the last. */
export const SAVE_RETRY_MS = 5000;

export interface SaveHealth {
  /** False while the last attempt to write the state failed. */
  readonly ok: boolean;
  /** Errno code of the failure (ENOSPC, EDQUOT, EIO, ...). */
  readonly code?: string;
  readonly error?: string;
  /** When saving started to fail (ISO time). */
  readonly since?: string;
  /** Failed attempts since the last success. */
  readonly failures: number;
  /** Failed attempts since the DP started (a counter for metrics). */
  readonly failuresTotal: number;
}

export interface StateSaverOptions {
  /** Writes the current state whole (serialised at the time of the call). */
  readonly write: () => Promise<void>;
  readonly now: () => number;
  /** @default SAVE_INTERVAL_MS */
  readonly intervalMs?: number;
  /** @default SAVE_RETRY_MS */
  readonly retryMs?: number;
  /** Called when saving starts or stops failing (the app logs it). */
  readonly onHealthChange?: (h: SaveHealth) => void;
}

export class StateSaver {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private closed = false;
  private h: SaveHealth = { ok: true, failures: 0, failuresTotal: 0 };

  constructor(private readonly o: StateSaverOptions) {}

  get health(): SaveHealth {
    return this.h;
  }

  /** The state changed: it is written within the interval (or at the next retry while failing). */
  request(): void {
    this.dirty = true;
    this.schedule(this.h.ok ? (this.o.intervalMs ?? SAVE_INTERVAL_MS) : (this.o.retryMs ?? SAVE_RETRY_MS));
  }

  /** A write outside the saver failed or succeeded (a synchronous save, a manifest): same health. */
  report(err: unknown): void {
    if (err === undefined) this.succeeded();
    else {
      this.failed(err);
      this.dirty = true;
      this.schedule(this.o.retryMs ?? SAVE_RETRY_MS);
    }
  }

  /** Writes now if anything is unsaved (waiting for a write in flight first); resolves true when all is saved. */
  async flush(): Promise<boolean> {
    if (this.writing) await this.writing;
    if (this.dirty) await this.run();
    return !this.dirty && this.h.ok;
  }

  /** Stops the timers (the store is closed; a final flush is the caller's). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (this.closed || this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, ms);
    // A pending save must not keep a stopping process alive; shutdown flushes explicitly.
    this.timer.unref();
  }

  private run(): Promise<void> {
    if (this.writing) return this.writing;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = false;
    this.writing = this.o
      .write()
      .then(
        () => this.succeeded(),
        (err: unknown) => {
          this.dirty = true;
          this.failed(err);
        },
      )
      .finally(() => {
        this.writing = undefined;
        if (this.dirty) this.schedule(this.h.ok ? (this.o.intervalMs ?? SAVE_INTERVAL_MS) : (this.o.retryMs ?? SAVE_RETRY_MS));
      });
    return this.writing;
  }

  private succeeded(): void {
    if (this.h.ok) return;
    this.h = { ok: true, failures: 0, failuresTotal: this.h.failuresTotal };
    this.o.onHealthChange?.(this.h);
  }

  private failed(err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    const wasOk = this.h.ok;
    this.h = {
      ok: false,
      ...(e.code !== undefined ? { code: e.code } : {}),
      error: e.message ?? String(err),
      since: wasOk ? new Date(this.o.now()).toISOString() : (this.h.since ?? new Date(this.o.now()).toISOString()),
      failures: this.h.failures + 1,
      failuresTotal: this.h.failuresTotal + 1,
    };
    if (wasOk) this.o.onHealthChange?.(this.h);
  }
}
