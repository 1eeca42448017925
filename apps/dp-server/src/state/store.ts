// Persists DpState as one JSON file, atomically (state/writer.ts), saved coalesced and off the
// event loop (state/saver.ts). A failing disk is a condition the DP reports and outlives, not a crash.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { claimDirectory, isChunkingError } from '@castpoint/chunking';
import type { Manifest } from '@castpoint/wire';
import { DpError } from '../errors';
import { StateSaver, type SaveHealth } from './saver';
import { HISTORY_LIMIT, type DpState, type HistoryEntry, type Tokens } from './types';
import { validateState } from './validate';
import { atomicWriter, type FileWriter } from './writer';

export { writeFileAtomic } from './writer';

export const STATE_FILE = 'state.json';
export const MANIFEST_DIR = 'manifests';

/** A token of 32 random bytes, base64url (43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export const LOCK_FILE = 'dp.lock';

/**
 * One DP per data directory: two would rewrite one state.json over each other (each one's images,
 * sessions and clients lost to the other's next save).
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

export interface StoreOptions {
  /** How files are written (tests inject one that fails). @default atomic writes on node:fs */
  readonly writer?: FileWriter;
  /** Clock for the save-failure times. @default Date.now */
  readonly now?: () => number;
  /** See StateSaverOptions.intervalMs / retryMs. */
  readonly saveIntervalMs?: number;
  readonly saveRetryMs?: number;
}

/**
 * Receiver ids are reserved in blocks of this many: the block's end (state.nextReceiverId) is on
 * disk before its first id is handed out, so a crash can never hand an id out twice, and the state
 * is written once per block instead of once per id. The next block is saved (by the ordinary,
 * coalesced saves) when half of the current one is used, so requests rarely wait for it. A restart
 * skips the rest of the block.
 */
export const RECEIVER_ID_BLOCK = 1024;
const RECEIVER_ID_END = 0x80000000;

/** Errno codes that mean "the disk cannot take the state now" (as opposed to a bug). */
const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EFBIG']);

export class StateStore {
  private readonly saver: StateSaver;
  /** Next receiver id to hand out. */
  private nextReceiverId: number;
  /** End of the reserved block that is on disk (state.nextReceiverId may be ahead, being saved). */
  private savedIdEnd: number;
  /** The save of the next block of ids, while it runs (never rejects). */
  private reserving: Promise<void> | undefined;
  /** Called when saving starts or stops failing. */
  onHealthChange: ((h: SaveHealth) => void) | undefined;

  private constructor(
    readonly dataDir: string,
    readonly state: DpState,
    private readonly release: () => void,
    private readonly o: StoreOptions,
  ) {
    this.nextReceiverId = state.nextReceiverId;
    this.savedIdEnd = state.nextReceiverId;
    this.saver = new StateSaver({
      // Writes run one at a time, each with the state as it is when it starts: the block end it
      // holds is on disk once it completes.
      write: async () => {
        const idEnd = this.state.nextReceiverId;
        await this.writer.write(this.path, JSON.stringify(this.state), 0o600);
        this.savedIdEnd = Math.max(this.savedIdEnd, idEnd);
      },
      now: o.now ?? Date.now,
      ...(o.saveIntervalMs !== undefined ? { intervalMs: o.saveIntervalMs } : {}),
      ...(o.saveRetryMs !== undefined ? { retryMs: o.saveRetryMs } : {}),
      onHealthChange: (h) => this.onHealthChange?.(h),
    });
  }

  /**
   * Opens (or creates) DATA_DIR's state and starts a new epoch. Tokens given win over stored ones;
   * missing ones are generated and reported in `generated` so the caller prints them once.
   */
  static open(dataDir: string, given: { admin?: string; client?: string } = {}, opts: StoreOptions = {}): { store: StateStore; generated: Partial<Tokens> } {
    const release = claimDataDir(dataDir);
    try {
      return StateStore.load(dataDir, given, release, opts);
    } catch (err) {
      release();
      throw err;
    }
  }

  private static load(dataDir: string, given: { admin?: string; client?: string }, release: () => void, opts: StoreOptions): { store: StateStore; generated: Partial<Tokens> } {
    mkdirSync(join(dataDir, MANIFEST_DIR), { recursive: true, mode: 0o700 });
    const path = join(dataDir, STATE_FILE);
    let state: DpState;
    const generated: { admin?: string; client?: string } = {};
    if (existsSync(path)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(path, 'utf8'));
      } catch (err) {
        throw new DpError('DP_STATE_CORRUPT', `cannot parse ${path}: ${(err as Error).message}; the file was left as it is (fix or move it, then start again)`, { path }, { cause: err });
      }
      state = validateState(parsed, path);
    } else {
      state = {
        version: 1,
        epoch: 0,
        nextReceiverId: 1,
        nextSessionId: 1,
        tokens: { admin: '', client: '' },
        images: {},
        sessions: [],
        clients: [],
        history: [],
      };
    }
    let admin = given.admin ?? state.tokens.admin;
    let client = given.client ?? state.tokens.client;
    if (!admin) admin = generated.admin = generateToken();
    if (!client) client = generated.client = generateToken();
    if (admin === client) {
      throw new DpError('DP_BAD_SETTING', 'admin-token and client-token must differ (one given equals the other kept in state.json): every agent carries the client token', { setting: 'client-token' });
    }
    state.tokens = { admin, client };
    // The epoch is part of the DP's senderId and so of every AES-GCM nonce: bump it before any packet.
    state.epoch = (state.epoch + 1) & 0x7fffffff;
    const store = new StateStore(dataDir, state, release, opts);
    store.saveNow();
    return { store, generated };
  }

  private get writer(): FileWriter {
    return this.o.writer ?? atomicWriter;
  }

  /** Stops the save timers and gives the data directory back (its lock). Flush first. */
  close(): void {
    this.saver.close();
    this.release();
  }

  get path(): string {
    return join(this.dataDir, STATE_FILE);
  }

  /** The state changed: it is written soon (coalesced, off the event loop). Never throws. */
  save(): void {
    this.saver.request();
  }

  /** Writes what is unsaved now; true when everything is on disk (false: saving fails). */
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
      `${what} refused: the DP cannot save its state to ${this.path} since ${h.since ?? '?'} (${h.error ?? h.code ?? 'error'}); free space in the data directory, running sessions go on`,
      { path: this.path, ...(h.code !== undefined ? { code: h.code } : {}) },
    );
  }

  /** The synchronous save at start-up; a disk that refuses it answers DP_STORAGE_FULL. */
  private saveNow(): void {
    try {
      this.writer.writeSync(this.path, JSON.stringify(this.state), 0o600);
      this.saver.report(undefined);
    } catch (err) {
      throw this.storageError(err, this.path);
    }
  }

  /** The error for a failed write: a full or failing disk is DP_STORAGE_FULL (and the saver's condition). */
  private storageError(err: unknown, path: string): unknown {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined || !STORAGE_CODES.has(code)) return err;
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
    if (this.state.history.length > HISTORY_LIMIT) this.state.history.splice(0, this.state.history.length - HISTORY_LIMIT);
  }

  manifestPath(manifestHash: string): string {
    if (!/^[0-9a-f]{16,128}$/.test(manifestHash)) throw new DpError('DP_STATE_CORRUPT', `bad manifest hash ${manifestHash}`, {});
    return join(this.dataDir, MANIFEST_DIR, `${manifestHash}.json`);
  }

  saveManifest(manifestHash: string, manifest: Manifest): void {
    const p = this.manifestPath(manifestHash);
    try {
      this.writer.writeSync(p, JSON.stringify(manifest), 0o644);
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
