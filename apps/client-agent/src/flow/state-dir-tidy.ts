// A failed run must not leave `.castpoint-disk.img.state` folders beside the targets of a share
// (one per failed attempt at "DP not reachable" on a whole classroom) unless the folder holds what
// a rerun resumes from: a journal with at least one chunk in it. Only files the agent itself
// writes are removed, and the folder only when that leaves it empty: anything else in it stays.
import { readFile, readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { decodeJournal } from '@castpoint/chunking';

const JOURNAL_SUFFIX = '.castpoint-journal';

/** True when a journal file in `stateDir` records a written chunk (a rerun would resume from it). */
export async function holdsResumableJournal(stateDir: string): Promise<boolean> {
  for (const name of await listDir(stateDir)) {
    if (!name.endsWith(JOURNAL_SUFFIX)) continue;
    const data = await readFile(path.join(stateDir, name)).catch(() => undefined);
    if (data === undefined) continue;
    const j = decodeJournal(data);
    if (!('damaged' in j) && j.bitmap.some((b) => b !== 0)) return true;
  }
  return false;
}

/**
 * Removes the agent's files (`ownFiles`: agent.json; journals without a written chunk) from a state dir that
 * holds no resumable journal; called while this agent still holds the dir's lock, which is not
 * touched. Returns whether they were removed. Never throws: tidying must not hide the run's error.
 */
export async function discardAgentFiles(stateDir: string, ownFiles: readonly string[]): Promise<boolean> {
  try {
    if (await holdsResumableJournal(stateDir)) return false;
    const ours = (name: string): boolean => ownFiles.includes(name) || name.endsWith(JOURNAL_SUFFIX);
    for (const name of await listDir(stateDir)) {
      if (ours(name)) await rm(path.join(stateDir, name), { force: true });
    }
    return true;
  } catch {
    return false;
  }
}

/** Removes the dir once its lock is given back, if nothing else is in it (another agent's lock). */
export async function removeIfEmpty(dir: string): Promise<void> {
  await rmdir(dir).catch(() => undefined);
}

async function listDir(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}
