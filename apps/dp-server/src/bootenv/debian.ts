import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { BootenvError } from './errors';

/** Runs a command of the build; its failure becomes BOOTENV_COMMAND with the output in the message. */
export function sh(cmd: string, args: readonly string[], opts: { cwd?: string; input?: Buffer | string } = {}): string {
  const res = spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.error) {
    const pkg = TOOL_PACKAGES[cmd];
    if ((res.error as NodeJS.ErrnoException).code === 'ENOENT' && pkg) {
      throw new BootenvError('BOOTENV_TOOL_MISSING', `${cmd} is not installed (Debian package ${pkg})`, { tool: cmd, package: pkg });
    }
    throw new BootenvError('BOOTENV_COMMAND', `cannot run ${cmd}: ${res.error.message}`);
  }
  if (res.status !== 0) {
    throw new BootenvError('BOOTENV_COMMAND', `\`${[cmd, ...args].join(' ')}\` failed (exit ${String(res.status)}): ${(res.stderr || res.stdout).trim().slice(-1500)}`);
  }
  return res.stdout;
}

const TOOL_PACKAGES: Record<string, string> = { 'apt-get': 'apt', 'apt-cache': 'apt', 'dpkg-deb': 'dpkg', cpio: 'cpio', ldd: 'libc-bin' };

/**
 * The current Debian kernel package: what the `linux-image-amd64` meta package depends on
 * (e.g. linux-image-6.1.0-57-amd64), so a build takes the kernel with the latest fixes.
 */
export function currentKernelPackage(): string {
  const out = sh('apt-cache', ['depends', 'linux-image-amd64']);
  const m = /Depends:\s+(linux-image-[\w.-]+-amd64)\b/.exec(out);
  if (!m?.[1]) throw new BootenvError('BOOTENV_PACKAGE', 'apt-cache knows no linux-image-amd64: run apt-get update');
  return m[1];
}

/**
 * The .deb of `pkg` in `cacheDir`, downloaded by `apt-get download` when absent (a later build
 * reuses it). Returns its path.
 */
export function fetchDeb(pkg: string, cacheDir: string): string {
  mkdirSync(cacheDir, { recursive: true });
  const find = (): string | undefined => readdirSync(cacheDir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  const have = find();
  if (have) return path.join(cacheDir, have);
  try {
    sh('apt-get', ['download', pkg], { cwd: cacheDir });
  } catch (err) {
    if (err instanceof BootenvError && err.code === 'BOOTENV_COMMAND') {
      throw new BootenvError('BOOTENV_PACKAGE', `cannot download Debian package ${pkg}: ${err.message}`, { package: pkg });
    }
    throw err;
  }
  const got = find();
  if (!got) throw new BootenvError('BOOTENV_PACKAGE', `apt-get download ${pkg} left no .deb in ${cacheDir}`, { package: pkg });
  return path.join(cacheDir, got);
}

/** Unpacks a .deb's files into `dir` (dpkg-deb -x: no install, no scripts). */
export function extractDeb(deb: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('dpkg-deb', ['-x', deb, dir]);
}
