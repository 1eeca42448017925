// Where a starting DP's state comes from: the database, or (once) DATA_DIR/state.json, or nothing
// (a new DP). state.json is what DPs before the SQL store wrote; it is imported in the first save's
// transaction, then renamed to state.json.imported so it is never read again.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DpError } from '../errors';
import type { StoredState } from '../store/state-queries';
import { META_KEYS, type EventRow } from './state-diff';
import type { DpState } from './types';
import { validateState } from './validate';

export const STATE_FILE = 'state.json';
/** What an imported state.json is renamed to. */
export const IMPORTED_SUFFIX = '.imported';
/** The dp_meta key recording the import (file, sha256, time): a second start never imports again. */
export const IMPORTED_META_KEY = 'importedFrom';

export interface ImportRecord {
  readonly file: string;
  readonly sha256: string;
  readonly at: string;
}

export interface LoadedState {
  readonly state: DpState;
  /** The event log's entries with their numbers (as stored, or numbered from 1 when new). */
  readonly events: readonly EventRow[];
  /** Set when the state came from state.json: the first save records it, then the file is renamed. */
  readonly imported?: ImportRecord;
}

export function freshState(): DpState {
  return { version: 1, epoch: 0, nextReceiverId: 1, nextSessionId: 1, tokens: { admin: '', client: '' }, images: {}, sessions: [], clients: [], history: [] };
}

/** DATA_DIR/state.json, read and checked before the database is opened (a bad file fails fast). */
export interface StateFile {
  readonly file: string;
  readonly bytes: Buffer;
  readonly state: DpState;
}

/** The state.json of an older DP, if there is one; DP_STATE_CORRUPT for one it cannot read. */
export function readStateFile(dataDir: string): StateFile | undefined {
  const file = join(dataDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  const bytes = readFileSync(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new DpError('DP_STATE_CORRUPT', `cannot parse ${file}: ${(err as Error).message}; the file was left as it is (fix or move it, then start again)`, { path: file }, { cause: err });
  }
  return { file, bytes, state: validateState(parsed, file) };
}

/** The state a DP starts with; throws DP_STATE_CORRUPT for a state.json beside a database that has a state already. */
export function loadState(json: StateFile | undefined, stored: StoredState | undefined, where: string, now: Date): LoadedState {
  if (stored) {
    if (json) finishImport(json, stored.meta.get(IMPORTED_META_KEY), where);
    const history = stored.events.map((e) => e.entry);
    const meta = Object.fromEntries(META_KEYS.map((k) => [k, stored.meta.get(k)]));
    const state = { ...meta, images: Object.fromEntries((stored.images as DpState['images'][string][]).map((i) => [i.name, i])), sessions: stored.sessions, clients: stored.clients, history };
    return { state: state as DpState, events: stored.events };
  }
  if (!json) return { state: freshState(), events: [] };
  return {
    state: json.state,
    events: json.state.history.map((entry, i) => ({ seq: i + 1, entry })),
    imported: { file: json.file, sha256: sha256(json.bytes), at: now.toISOString() },
  };
}

/** After the import's transaction committed: the file is set aside, never read again. */
export function setImportedFileAside(record: ImportRecord): void {
  renameSync(record.file, record.file + IMPORTED_SUFFIX);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * state.json beside a database that holds a state: either the DP stopped between the import's
 * commit and the rename (the same bytes: renamed now), or a file put back by hand, which is not
 * merged into the newer state in the database (refused, nothing changed).
 */
function finishImport(json: StateFile, record: unknown, where: string): void {
  const r = record as Partial<ImportRecord> | undefined;
  if (r?.sha256 !== undefined && r.sha256 === sha256(json.bytes)) {
    setImportedFileAside({ file: json.file, sha256: r.sha256, at: r.at ?? '' });
    return;
  }
  throw new DpError(
    'DP_STATE_CORRUPT',
    `${json.file} exists, but the DP's state is already in the database (${where})${r?.at ? `, imported from a state.json on ${r.at}` : ''}: it is not imported twice; move the file away, then start again`,
    { path: json.file },
  );
}
