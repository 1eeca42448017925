import picomatch from 'picomatch';

/**
 * Which disk an image goes to, chosen by a selector an operator writes (issue 24):
 * `first-fixed` (default), `serial:X`, `wwn:X`, `model:GLOB`, `size:MIN-MAX`, `path:/dev/X`.
 * Pure: the agent reads the disks (client-agent identity/disks.ts), this decides. A refusal
 * lists every disk so the operator can write a selector that fits, and nothing is written.
 */

/** One block device as the agent saw it (/sys/block on Linux). */
export interface DiskInfo {
  /** Kernel name: `sda`, `nvme0n1`, `loop3`. */
  name: string;
  /** Device path: `/dev/sda`. */
  path: string;
  sizeBytes: number;
  model: string | null;
  serial: string | null;
  wwn: string | null;
  removable: boolean;
  /** null when the kernel does not say. */
  rotational: boolean | null;
}

export type DiskSelector =
  | { kind: 'first-fixed' }
  | { kind: 'serial'; serial: string }
  | { kind: 'wwn'; wwn: string }
  | { kind: 'model'; glob: string }
  | { kind: 'size'; minBytes: number | null; maxBytes: number | null }
  | { kind: 'path'; path: string };

export type DiskRefusal = 'bad-selector' | 'no-match' | 'ambiguous' | 'too-small';

export type DiskChoice = { ok: true; disk: DiskInfo } | { ok: false; reason: DiskRefusal; message: string; disks: DiskInfo[] };

export const DEFAULT_DISK_SELECTOR = 'first-fixed';

/**
 * Devices that are never an install target unless named by `path:`: loop devices (images and
 * snap mounts), RAM disks, zram swap, optical drives, floppies.
 */
const NEVER_IMPLIED = /^(loop|ram|zram|sr|fd)\d+$/;

export function parseDiskSelector(text: string): DiskSelector | { error: string } {
  const t = text.trim();
  if (t === 'first-fixed') return { kind: 'first-fixed' };
  const colon = t.indexOf(':');
  const kind = colon < 0 ? t : t.slice(0, colon);
  const arg = colon < 0 ? '' : t.slice(colon + 1).trim();
  const usage = 'selectors: first-fixed, serial:X, wwn:X, model:GLOB, size:MIN-MAX, path:/dev/X (path:\\\\.\\PhysicalDriveN on Windows)';
  if (colon < 0 || arg === '') return { error: `disk selector "${text}" is not understood (${usage})` };
  switch (kind) {
    case 'serial':
      return { kind: 'serial', serial: arg };
    case 'wwn':
      return { kind: 'wwn', wwn: normalizeWwn(arg) };
    case 'model':
      return { kind: 'model', glob: arg };
    case 'path':
      // /dev/NAME on Linux; \\.\PhysicalDriveN where the Windows agent lists its disks.
      if (/^\\\\\.\\PhysicalDrive\d{1,3}$/i.test(arg)) return { kind: 'path', path: arg };
      return /^\/dev\/[^/\s]+(\/[^/\s]+)*$/.test(arg) && !arg.split('/').includes('..') ? { kind: 'path', path: arg } : { error: `disk selector "${text}": a path is /dev/NAME or \\\\.\\PhysicalDriveN` };
    case 'size':
      return parseSizeRange(text, arg);
    default:
      return { error: `disk selector "${text}": unknown kind "${kind}" (${usage})` };
  }
}

/**
 * Picks the disk for an image of `imageBytes` bytes. `first-fixed` is the first (by kernel name,
 * numbers in natural order) non-removable disk at least that large; every other selector must
 * match exactly one disk, and that disk must be large enough.
 */
export function selectDisk(selectorText: string, disks: readonly DiskInfo[], imageBytes: number): DiskChoice {
  const sorted = [...disks].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  const parsed = parseDiskSelector(selectorText);
  if ('error' in parsed) return refuse('bad-selector', parsed.error, sorted);
  const implied = sorted.filter((d) => !NEVER_IMPLIED.test(d.name));
  if (parsed.kind === 'first-fixed') {
    const first = implied.find((d) => !d.removable && d.sizeBytes >= imageBytes);
    if (first) return { ok: true, disk: first };
    return refuse('no-match', `no fixed (non-removable) disk of at least ${formatBytes(imageBytes)}`, sorted);
  }
  const pool = parsed.kind === 'path' ? sorted : implied;
  const matches = pool.filter((d) => matchesSelector(parsed, d));
  const only = matches[0];
  if (!only) return refuse('no-match', `no disk matches ${selectorText}`, sorted);
  if (matches.length > 1) return refuse('ambiguous', `${matches.length} disks match ${selectorText} (${matches.map((d) => d.path).join(', ')}) and it cannot tell them apart`, sorted);
  if (only.sizeBytes < imageBytes) return refuse('too-small', `${only.path} (${formatBytes(only.sizeBytes)}) is smaller than the image (${formatBytes(imageBytes)})`, sorted);
  return { ok: true, disk: only };
}

function matchesSelector(s: Exclude<DiskSelector, { kind: 'first-fixed' }>, d: DiskInfo): boolean {
  switch (s.kind) {
    case 'serial':
      return d.serial !== null && d.serial.trim().toLowerCase() === s.serial.toLowerCase();
    case 'wwn':
      return d.wwn !== null && normalizeWwn(d.wwn) === s.wwn;
    case 'model':
      return d.model !== null && picomatch.isMatch(d.model.trim(), s.glob, { nocase: true, dot: true });
    case 'size':
      return (s.minBytes === null || d.sizeBytes >= s.minBytes) && (s.maxBytes === null || d.sizeBytes <= s.maxBytes);
    case 'path':
      return d.path === s.path;
  }
}

/** `naa.5000c500a1b2c3d4`, `0x5000C500A1B2C3D4` and `5000c500a1b2c3d4` are one WWN. */
function normalizeWwn(w: string): string {
  return w.trim().toLowerCase().replace(/^(naa\.|eui\.|0x)/, '');
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** Sizes as disks are sold: G and GB are 10^9, GiB is 2^30. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m ? UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}

function parseSizeRange(text: string, arg: string): DiskSelector | { error: string } {
  const dash = arg.indexOf('-');
  const bad = { error: `disk selector "${text}": expected size:MIN-MAX with sizes like 200G or 2T (either side may be empty)` };
  if (dash < 0) return bad;
  const [lo, hi] = [arg.slice(0, dash).trim(), arg.slice(dash + 1).trim()];
  const minBytes = lo === '' ? null : parseSize(lo);
  const maxBytes = hi === '' ? null : parseSize(hi);
  if (minBytes === undefined || maxBytes === undefined || (minBytes === null && maxBytes === null)) return bad;
  if (minBytes !== null && maxBytes !== null && minBytes > maxBytes) return { error: `disk selector "${text}": the minimum is above the maximum` };
  return { kind: 'size', minBytes, maxBytes };
}

export function formatBytes(n: number): string {
  if (n >= 1e12) return `${(n / 1e12).toFixed(1)} TB`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  return `${n} B`;
}

/** One line per disk, as the refusal lists them. */
export function describeDisk(d: DiskInfo): string {
  const facts = [formatBytes(d.sizeBytes), d.model ? `model "${d.model.trim()}"` : null, d.serial ? `serial ${d.serial.trim()}` : null, d.wwn ? `wwn ${d.wwn}` : null, d.removable ? 'removable' : null, NEVER_IMPLIED.test(d.name) ? 'only by path:' : null];
  return `${d.path}: ${facts.filter((f) => f !== null).join(', ')}`;
}

function refuse(reason: DiskRefusal, why: string, disks: DiskInfo[]): DiskChoice {
  const list = disks.length === 0 ? '  (no disks found)' : disks.map((d) => `  ${describeDisk(d)}`).join('\n');
  return { ok: false, reason, message: `${why}; nothing was written. Disks:\n${list}`, disks };
}
