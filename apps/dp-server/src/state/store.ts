// Keeps DpState in the SQL store (store/, PGlite in DATA_DIR/db or a PostgreSQL server): the DP
// works on the state in memory and saves what changed, coalesced and off the event loop
// (state/saver.ts), one transaction per save (state/state-diff.ts). A failing disk or database is a
// condition the DP reports and outlives, not a crash.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { claimDirectory, isChunkingError } from '@castpoint/chunking';
import type { Manifest } from '@castpoint/wire';
import { DpError } from '../errors';
import { DpStore } from '../store/dp-store';
import type { StoreLocation } from '../store/open';
import { IMPORTED_META_KEY, loadState, readStateFile, setImportedFileAside, type ImportRecord, type StateFile } from './load-state';
import { StateSaver, type SaveHealth } from './saver';
import { diffState, EMPTY_SNAPSHOT, isEmpty, snapshotOf, type StateSnapshot } from './state-diff';
import { HISTORY_LIMIT, type DpState, type HistoryEntry, type Tokens } from './types';
import { atomicWriter, type FileWriter } from './writer';

export { writeFileAtomic } from './writer';
export { STATE_FILE } from './load-state';

export const MANIFEST_DIR = 'manifests';

/** A token of 32 random bytes, base64url (43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export const LOCK_FILE = 'dp.lock';

/**
 * One DP per data directory: two would write one state over each other (each one's images,
 * sessions and clients lost to the other's next save), and PGlite's files take one process only.
 */
function claimDataDir(dataDir: string): () => void {
  try {
    return claimDirectory(dataDir, LOCK_FILE);
  } catch (err) {
    if (isChunkingError(err, 'CHUNKING_DIR_IN_USE')) {
      const pid = err.data.pid === undefined ? '' : ` (pid ${err.data.pid})`;
      throw new DpError('DP_DATA_DIR_IN_USE', `data-dir ${dataDir} is in use by another castpoint-dp${pid}: give each DP its own (if none runs, delete ${join(dataDir, LOCK_FILE)})`, { dataDir }, { cause: err });
    }
    throw new DpError('DP_BAD_SETTING', `data-dir ${dataDir} cannot be used: ${(err as Error).message}`, { setting: 'data-dir' }, { cause: err });
  }
}

export interface OpenedState {
  readonly state: DpState;
  /** Tokens generated at this start (print them once); undefined when they already existed or were given. */
  readonly generated?: Partial<Tokens>;
}

/** How the store writes; tests inject one that fails like a full disk. */
export interface StoreDisk extends FileWriter {
  /** Called before each state save reaches the database; throwing fails the save (tests: ENOSPC). */
  beforeStateWrite?(): void;
}

export interface StoreOptions {
  /** Where the state lives. @default PGlite in DATA_DIR/db */
  readonly database?: StoreLocation;
  /** How manifest files are written, and a hook before each state save. @default atomic writes on node:fs */
  readonly writer?: StoreDisk;
  /** Clock for the save-failure times. @default Date.now */
  readonly now?: () => number;
  /** See StateSaverOptions.intervalMs / retryMs. */
  readonly saveIntervalMs?: number;
  readonly saveRetryMs?: number;
}

export const RECEIVER_ID_BLOCK = 1024;
const RECEIVER_ID_END = 0x80000000;

/** Errno codes that mean "the disk cannot take the state now" (as opposed to a bug). */
const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EFBIG']);
/** The same said by PostgreSQL (and PGlite): disk_full, io_error. */
const STORAGE_SQLSTATES = new Set(['53100', '58030']);

export class StateStore {
  private readonly saver: StateSaver;
  /** Next receiver id to hand out. */
  private nextReceiverId: number;
  /** End of the reserved block that is saved (state.nextReceiverId may be ahead, being saved). */
  private savedIdEnd: number;
  /** The save of the next block of ids, while it runs (never rejects). */
  private reserving: Promise<void> | undefined;
  /** What the database holds: a save writes the difference. */
  private saved: StateSnapshot = EMPTY_SNAPSHOT;
  /** The event-log number of state.history[0], and one past the last entry saved. */
  private firstSeq: number;
  private savedSeq: number;
  /** Called when saving starts or stops failing. */
  onHealthChange: ((h: SaveHealth) => void) | undefined;

  private constructor(
    readonly dataDir: string,
    readonly state: DpState,
    /** The SQL store the state lives in; machines, collections and deployments live there too. */
    readonly sql: DpStore,
    firstSeq: number,
    private readonly release: () => void,
    private readonly o: StoreOptions,
  ) {
    this.nextReceiverId = state.nextReceiverId;
    this.savedIdEnd = state.nextReceiverId;
    this.firstSeq = firstSeq;
    this.savedSeq = firstSeq;
    this.saver = new StateSaver({
      // Writes run one at a time, each with the state as it is when it starts: the block end it
      // holds is saved once it completes.
      write: () => this.writeState(),
      now: o.now ?? Date.now,
      ...(o.saveIntervalMs !== undefined ? { intervalMs: o.saveIntervalMs } : {}),
      ...(o.saveRetryMs !== undefined ? { retryMs: o.saveRetryMs } : {}),
      onHealthChange: (h) => this.onHealthChange?.(h),
    });
  }

  /**
   * Opens DATA_DIR (its lock) and the database, imports DATA_DIR/state.json once if the database
   * holds no state yet, and starts a new epoch. Tokens given win over stored ones; missing ones are
   * generated and reported in `generated` so the caller prints them once.
   */
  static async open(dataDir: string, given: { admin?: string; client?: string } = {}, opts: StoreOptions = {}): Promise<{ store: StateStore; generated: Partial<Tokens> }> {
    const release = claimDataDir(dataDir);
    let sql: DpStore | undefined;
    try {
      mkdirSync(join(dataDir, MANIFEST_DIR), { recursive: true, mode: 0o700 });
      // Before the database: a state.json that cannot be imported fails the start at once.
      const json = readStateFile(dataDir);
      sql = await DpStore.open(opts.database ?? { kind: 'pglite', dataDir });
      const opened = await StateStore.load(dataDir, json, sql, given, release, opts);
      // The machines go into memory now, while the DP starts, not on the first agent's answer.
      sql.warmAgentIndex();
      return opened;
    } catch (err) {
      await sql?.close().catch(() => undefined);
      release();
      throw err;
    }
  }

  private static async load(dataDir: string, json: StateFile | undefined, sql: DpStore, given: { admin?: string; client?: string }, release: () => void, opts: StoreOptions): Promise<{ store: StateStore; generated: Partial<Tokens> }> {
    const stored = await sql.state.load();
    const loaded = loadState(json, stored, sql.where, new Date((opts.now ?? Date.now)()));
    const state = loaded.state;
    const generated: { admin?: string; client?: string } = {};
    let admin = given.admin ?? state.tokens.admin;
    let client = given.client ?? state.tokens.client;
    if (!admin) admin = generated.admin = generateToken();
    if (!client) client = generated.client = generateToken();
    if (admin === client) {
      throw new DpError('DP_BAD_SETTING', 'admin-token and client-token must differ (one given equals the other kept in the DP state): every agent carries the client token', { setting: 'client-token' });
    }
    const store = new StateStore(dataDir, state, sql, loaded.events[0]?.seq ?? 1, release, opts);
    // What was loaded from the database is what it holds (the records are the very objects read).
    if (stored) {
      store.saved = snapshotOf(state);
      store.savedSeq = store.firstSeq + state.history.length;
    }
    state.tokens = { admin, client };
    // The epoch is part of the DP's senderId and so of every AES-GCM nonce: bump it before any packet.
    state.epoch = (state.epoch + 1) & 0x7fffffff;
    await store.saveNow(loaded.imported);
    if (loaded.imported) setImportedFileAside(loaded.imported);
    return { store, generated };
  }

  /** Stops the save timers, closes the database and gives the data directory back (its lock). Flush first. */
  async close(): Promise<void> {
    this.saver.close();
    try {
      await this.sql.close();
    } finally {
      this.release();
    }
  }

  /** Where the state is saved, for messages and logs ("PGlite in DATA_DIR/db", "PostgreSQL URL"). */
  get path(): string {
    return this.sql.where;
  }

  /** The state changed: it is written soon (coalesced, off the event loop). Never throws. */
  save(): void {
    this.saver.request();
  }

  /** Writes what is unsaved now; true when everything is saved (false: saving fails). */
  flush(): Promise<boolean> {
    return this.saver.flush();
  }

  /** Whether the state can be saved, and since when not. */
  get health(): SaveHealth {
    return this.saver.health;
  }

  /** Refuses (DP_STORAGE_FULL, 507) what would need the disk while saving fails: new sessions, imports. */
  assertWritable(what: string): void {
    const h = this.health;
    if (h.ok) return;
    throw new DpError(
      'DP_STORAGE_FULL',
      `${what} refused: the DP cannot save its state to ${this.path} since ${h.since ?? '?'} (${h.error ?? h.code ?? 'error'}); free space in the data directory (or bring the database back), running sessions go on`,
      { path: this.path, ...(h.code !== undefined ? { code: h.code } : {}) },
    );
  }

  /**
   * One save: the rows that changed since the last, in one transaction. The snapshot is taken
   * before the first await, so it is the state as it is when the save starts.
   */
  private async writeState(imported?: ImportRecord): Promise<void> {
    this.o.writer?.beforeStateWrite?.();
    const idEnd = this.state.nextReceiverId;
    const next = snapshotOf(this.state);
    const from = Math.max(0, this.savedSeq - this.firstSeq);
    const insert = this.state.history.slice(from).map((entry, i) => ({ seq: this.firstSeq + from + i, entry }));
    const seqEnd = this.firstSeq + this.state.history.length;
    const changes = diffState(this.saved, next, this.state, { insert, keepFrom: this.firstSeq });
    if (imported) await this.sql.state.write({ ...changes, meta: [...changes.meta, { key: IMPORTED_META_KEY, json: JSON.stringify(imported) }] });
    else if (!isEmpty(changes)) await this.sql.state.write(changes);
    this.saved = next;
    this.savedSeq = seqEnd;
    this.savedIdEnd = Math.max(this.savedIdEnd, idEnd);
  }

  /** The save at start-up (the new epoch, an import); a disk that refuses it answers DP_STORAGE_FULL. */
  private async saveNow(imported: ImportRecord | undefined): Promise<void> {
    try {
      await this.writeState(imported);
      this.saver.report(undefined);
    } catch (err) {
      throw this.storageError(err, this.path);
    }
  }

  /** The error for a failed write: a full or failing disk is DP_STORAGE_FULL (and the saver's condition). */
  private storageError(err: unknown, path: string): unknown {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined || !(STORAGE_CODES.has(code) || STORAGE_SQLSTATES.has(code))) return err;
    this.saver.report(err);
    return new DpError('DP_STORAGE_FULL', `cannot write ${path} (${code}): ${(err as Error).message}`, { path, code }, { cause: err });
  }

  /**
   * Resolves when receiver ids are on hand (a reserved block is on disk); starts saving the next
   * block when half of this one is used. Rejects with DP_STORAGE_FULL when none can be saved.
   */
  async receiverIdsReady(): Promise<void> {
    if (this.savedIdEnd - this.nextReceiverId < RECEIVER_ID_BLOCK / 2) this.reserveNextBlock();
    // A reservation already under way may have started before the disk came back: one more try.
    for (let attempt = 0; attempt < 2 && this.nextReceiverId >= this.savedIdEnd; attempt++) {
      this.reserveNextBlock();
      await this.reserving;
    }
    if (this.nextReceiverId >= this.savedIdEnd) throw this.noReceiverIds();
  }

  private reserveNextBlock(): void {
    if (this.reserving || this.state.nextReceiverId >= RECEIVER_ID_END) return;
    this.state.nextReceiverId = Math.min(Math.max(this.state.nextReceiverId, this.nextReceiverId) + RECEIVER_ID_BLOCK, RECEIVER_ID_END);
    this.save();
    this.reserving = this.flush().then(
      () => {
        this.reserving = undefined;
      },
      () => {
        this.reserving = undefined;
      },
    );
  }

  private noReceiverIds(): DpError {
    if (this.nextReceiverId >= RECEIVER_ID_END) return new DpError('DP_STATE_CORRUPT', 'receiver ids exhausted', {});
    if (!this.health.ok) {
      try {
        this.assertWritable('a receiver id');
      } catch (err) {
        return err as DpError;
      }
    }
    return new DpError('DP_BUSY', 'receiver ids are being reserved: ask again', { step: 'receiver ids' });
  }

  /**
   * A fresh receiver id, never one handed out before, also across a crash (see RECEIVER_ID_BLOCK).
   * Call receiverIdsReady() first; without an id on hand this throws (DP_BUSY or DP_STORAGE_FULL).
   */
  allocateReceiverId(): number {
    if (this.nextReceiverId >= this.savedIdEnd) {
      this.reserveNextBlock();
      throw this.noReceiverIds();
    }
    if (this.savedIdEnd - this.nextReceiverId <= RECEIVER_ID_BLOCK / 2) this.reserveNextBlock();
    return this.nextReceiverId++;
  }

  allocateSessionId(): number {
    const id = this.state.nextSessionId;
    this.state.nextSessionId = (id + 1) >>> 0 || 1;
    return id;
  }

  record(entry: Omit<HistoryEntry, 'at'>, now: Date): void {
    this.state.history.push({ at: now.toISOString(), ...entry });
    const over = this.state.history.length - HISTORY_LIMIT;
    if (over > 0) {
      this.state.history.splice(0, over);
      this.firstSeq += over;
    }
  }

  manifestPath(manifestHash: string): string {
    if (!/^[0-9a-f]{16,128}$/.test(manifestHash)) throw new DpError('DP_STATE_CORRUPT', `bad manifest hash ${manifestHash}`, {});
    return join(this.dataDir, MANIFEST_DIR, `${manifestHash}.json`);
  }

  saveManifest(manifestHash: string, manifest: Manifest): void {
    const p = this.manifestPath(manifestHash);
    try {
      (this.o.writer ?? atomicWriter).writeSync(p, JSON.stringify(manifest), 0o644);
    } catch (err) {
      throw this.storageError(err, p);
    }
  }

  loadManifest(manifestHash: string): Manifest {
    const p = this.manifestPath(manifestHash);
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as Manifest;
    } catch (err) {
      throw new DpError('DP_STATE_CORRUPT', `cannot read manifest ${p}: ${(err as Error).message}`, { path: p }, { cause: err });
    }
  }
}
