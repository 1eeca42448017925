// A model of a disk and a journal store in memory where only synced data survives a crash, with a
// countdown that throws at the N-th I/O operation (the "crash point"). Used by the crash-safety tests.
import type { JournalStore } from '../journal-store';
import type { TargetIo } from '../target-io';

export class Crash extends Error {
  constructor(readonly op: string) {
    super(`simulated crash at ${op}`);
  }
}

export class VolatileMachine {
  /** What is on the platter: survives a crash. */
  durable: Buffer;
  /** Writes not yet synced: lost on a crash. */
  private pending: { data: Buffer; position: number }[] = [];
  readonly files = new Map<string, Buffer>();
  ops = 0;

  constructor(size = 0, private crashAt = Infinity) {
    this.durable = Buffer.alloc(size);
  }

  private step(op: string): void {
    if (++this.ops >= this.crashAt) throw new Crash(op);
  }

  /** After a crash: forget unsynced writes, and disarm the crash point for the restart. */
  reboot(crashAt = Infinity): void {
    this.pending = [];
    this.crashAt = crashAt;
    this.ops = 0;
  }

  io(): TargetIo {
    return {
      write: async (data, position) => {
        this.step('write');
        this.pending.push({ data: Buffer.from(data), position });
      },
      read: async (data, position) => {
        // Reads see unsynced writes, as through the page cache.
        const view = Buffer.alloc(Math.max(this.durable.length, ...this.pending.map((w) => w.position + w.data.length)));
        this.durable.copy(view);
        for (const w of this.pending) w.data.copy(view, w.position);
        const n = Math.max(0, Math.min(data.length, view.length - position));
        view.copy(data, 0, position, position + n);
        return n;
      },
      sync: async () => {
        this.step('sync');
        for (const w of this.pending) {
          if (w.position + w.data.length > this.durable.length) {
            const grown = Buffer.alloc(w.position + w.data.length);
            this.durable.copy(grown);
            this.durable = grown;
          }
          w.data.copy(this.durable, w.position);
        }
        this.pending = [];
      },
      size: async () => this.durable.length,
      // Worst case for the writer: a truncate is durable at once (the filesystem may commit the
      // metadata before any fsync), so it wipes data immediately.
      truncate: async (size) => {
        this.step('truncate');
        const next = Buffer.alloc(size);
        this.durable.copy(next, 0, 0, Math.min(size, this.durable.length));
        this.durable = next;
        this.pending = this.pending.filter((w) => w.position < size);
      },
      close: async () => undefined,
    };
  }

  store(): JournalStore {
    return {
      read: async (path) => this.files.get(path),
      writeAtomic: async (path, data) => {
        this.step('journal');
        this.files.set(path, Buffer.from(data));
      },
      remove: async (path) => {
        this.files.delete(path);
      },
    };
  }
}
