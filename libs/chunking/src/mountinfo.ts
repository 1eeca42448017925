/** One line of /proc/self/mountinfo, the fields the target checks need. */
export interface MountEntry {
  /** "major:minor" of the mounted device (st_dev of the filesystem). */
  readonly device: string;
  readonly mountPoint: string;
  readonly fsType: string;
  /** Mount source, e.g. /dev/sda1 (after unescaping). */
  readonly source: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * Parses /proc/self/mountinfo (proc(5)): `id parent major:minor root mountpoint options [optional...]
 * - fstype source superoptions`. Malformed lines are skipped rather than fatal: a line we cannot
 * read cannot name our device either, and the exclusive open is a second line of defence.
 */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    const [device, mountPoint, fsType, source] = [f[2], f[4], f[dash + 1], f[dash + 2]];
    if (dash < 0 || device === undefined || mountPoint === undefined || fsType === undefined || source === undefined) continue;
    if (!/^\d+:\d+$/.test(device)) continue;
    out.push({ device, mountPoint: unescape(mountPoint), fsType, source: unescape(source) });
  }
  return out;
}

/** Active swap devices and files from /proc/swaps (first column; header skipped). */
export function parseSwaps(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter((s) => s !== '')
    .map(unescape);
}

/** Linux dev_t split (glibc's gnu_dev_major/minor), for numbers from stat's rdev. */
export function devMajorMinor(rdev: bigint): string {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}
