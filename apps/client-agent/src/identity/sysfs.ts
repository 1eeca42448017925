import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Reads under an injected root (`/` in production, a fake tree in tests), so the identity code
 * never reaches the real /sys from a test.
 */
export class SysFs {
  constructor(readonly root = '/') {}

  /** The file's text trimmed, or null when it is missing, unreadable (root-only DMI) or empty. */
  attr(...parts: string[]): string | null {
    try {
      const text = readFileSync(this.path(...parts), 'utf8').replace(/\0/g, '').trim();
      return text === '' ? null : text;
    } catch {
      return null;
    }
  }

  /** Entry names of a directory, sorted; none when it does not exist. */
  list(...parts: string[]): string[] {
    try {
      return readdirSync(this.path(...parts)).sort();
    } catch {
      return [];
    }
  }

  /** The entry itself exists (a symlink counts even when its target is not there to follow). */
  exists(...parts: string[]): boolean {
    try {
      lstatSync(this.path(...parts));
      return true;
    } catch {
      return false;
    }
  }

  private path(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }
}
