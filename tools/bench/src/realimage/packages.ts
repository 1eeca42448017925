// The Debian userland of the realistic disk: a fixed set of root packages (what a small server
// or a technician's reference install holds) with their dependencies, resolved by apt-cache from
// the local package lists and fetched with `apt-get download` (the ordinary apt client, as
// `castpoint-dp bootenv build` fetches its kernel). The .deb files are kept between runs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** What the root holds besides its dependencies: a bootable server with the usual admin tools. */
export const ROOT_PACKAGES = [
  'linux-image-amd64', 'systemd-sysv', 'grub-efi-amd64-bin', 'openssh-server', 'python3', 'perl', 'vim-tiny', 'git', 'curl',
  'locales', 'man-db', 'less', 'bash-completion', 'iproute2', 'ifupdown', 'netbase', 'sudo', 'rsync', 'xz-utils', 'bzip2',
  'ca-certificates', 'tzdata', 'e2fsprogs', 'dosfstools', 'ntfs-3g',
] as const;

/**
 * Package names from `apt-cache depends --recurse` output: the unindented lines, minus virtual
 * packages (`<name>`), sorted and unique. Pure, for the spec.
 */
export function parseDependsOutput(text: string): string[] {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(' ') || line.startsWith('<')) continue;
    names.add(line.trim());
  }
  return [...names].sort();
}

export function resolvePackages(roots: readonly string[] = ROOT_PACKAGES): string[] {
  const out = execFileSync(
    'apt-cache',
    ['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', ...roots],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const names = parseDependsOutput(out);
  if (names.length < roots.length) throw new Error('apt-cache resolved fewer packages than asked: run apt-get update');
  return names;
}

/** The .deb files of `packages` in `dir`, downloading those not there yet; returns their paths. */
export function downloadPackages(packages: readonly string[], dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const have = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.deb'));
  // A .deb's file name starts with the package name and an underscore.
  const missing = packages.filter((p) => !have().some((f) => f.startsWith(`${p}_`)));
  for (let i = 0; i < missing.length; i += 50) {
    execFileSync('apt-get', ['download', '-qq', ...missing.slice(i, i + 50)], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const debs = have();
  const absent = packages.filter((p) => !debs.some((f) => f.startsWith(`${p}_`)));
  if (absent.length > 0) throw new Error(`apt-get download left no .deb for ${absent.join(', ')}`);
  return debs.map((f) => path.join(dir, f)).sort();
}
