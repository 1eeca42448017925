// Persists DpState as one JSON file, atomically: write a temporary file, fsync it, rename it over
// the old one, fsync the directory. A crash leaves either the old state or the new, never half.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ChunkingError, claimDirectory } from '@castpoint/chunking';
import type { Manifest } from '@castpoint/wire';
import { DpError } from '../errors';
import { HISTORY_LIMIT, type DpState, type HistoryEntry, type Tokens } from './types';

export const STATE_FILE = 'state.json';
export const MANIFEST_DIR = 'manifests';

/** A token of 32 random bytes, base64url (43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(join(path, '..'), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
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
    if (err instanceof ChunkingError && err.code === 'CHUNKING_DIR_IN_USE') {
      const pid = typeof err.data?.actual === 'number' ? ` (pid ${err.data.actual})` : '';
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

export class StateStore {
  private constructor(
    readonly dataDir: string,
    readonly state: DpState,
    private readonly release: () => void,
  ) {}

  /**
   * Opens (or creates) DATA_DIR's state and starts a new epoch. Tokens given win over stored ones;
   * missing ones are generated and reported in `generated` so the caller prints them once.
   */
  static open(dataDir: string, given: { admin?: string; client?: string } = {}): { store: StateStore; generated: Partial<Tokens> } {
    const release = claimDataDir(dataDir);
    try {
      return StateStore.load(dataDir, given, release);
    } catch (err) {
      release();
      throw err;
    }
  }

  private static load(dataDir: string, given: { admin?: string; client?: string }, release: () => void): { store: StateStore; generated: Partial<Tokens> } {
    mkdirSync(join(dataDir, MANIFEST_DIR), { recursive: true, mode: 0o700 });
    const path = join(dataDir, STATE_FILE);
    let state: DpState;
    const generated: { admin?: string; client?: string } = {};
    if (existsSync(path)) {
      try {
        state = JSON.parse(readFileSync(path, 'utf8')) as DpState;
      } catch (err) {
        throw new DpError('DP_STATE_CORRUPT', `cannot parse ${path}: ${(err as Error).message}`, { path }, { cause: err });
      }
      if (state.version !== 1 || typeof state.epoch !== 'number') {
        throw new DpError('DP_STATE_CORRUPT', `${path} is not a castpoint-dp state file of version 1`, { path });
      }
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
    const store = new StateStore(dataDir, state, release);
    store.save();
    return { store, generated };
  }

  /** Gives the data directory back (its lock) once the DP is done with it. */
  close(): void {
    this.release();
  }

  get path(): string {
    return join(this.dataDir, STATE_FILE);
  }

  save(): void {
    writeFileAtomic(this.path, JSON.stringify(this.state));
  }

  /** A fresh receiver id, saved before it is handed out so a crash can never hand it out again. */
  allocateReceiverId(): number {
    const id = this.state.nextReceiverId;
    if (id >= 0x80000000) throw new DpError('DP_STATE_CORRUPT', 'receiver ids exhausted', {});
    this.state.nextReceiverId = id + 1;
    this.save();
    return id;
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
    writeFileAtomic(this.manifestPath(manifestHash), JSON.stringify(manifest), 0o644);
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
