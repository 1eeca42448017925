// Imports under way, for GET /api/v1/imports: POST /api/v1/images answers only once the whole file
// is read (17.6 s of silence for 3 GiB), so the CLI asks here meanwhile how far the DP got.

export interface ImportProgress {
  readonly name: string;
  /** The real path being read. */
  readonly file: string;
  readonly size: number;
  bytesDone: number;
  readonly startedAt: string;
}

export class ImportTracker {
  private readonly running = new Map<string, ImportProgress>();

  /** Registers an import; the returned callbacks report its progress and its end (success or not). */
  begin(name: string, file: string, size: number, nowMs: number): { progress: (bytesDone: number) => void; end: () => void } {
    const p: ImportProgress = { name, file, size, bytesDone: 0, startedAt: new Date(nowMs).toISOString() };
    this.running.set(name, p);
    return {
      progress: (bytesDone) => {
        p.bytesDone = Math.min(bytesDone, size);
      },
      end: () => {
        // A second add of the same name may have begun meanwhile: end only this one.
        if (this.running.get(name) === p) this.running.delete(name);
      },
    };
  }

  list(): ImportProgress[] {
    return [...this.running.values()].map((p) => ({ ...p }));
  }
}
