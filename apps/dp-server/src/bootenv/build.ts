import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { currentKernelPackage, extractDeb, fetchDeb, sh } from './debian';
import { BootenvError } from './errors';
import { renderInit, renderUdhcpcScript } from './init-script';
import { BOOT_MODULES, loadOrder, parseModulesDep } from './modules-dep';
import { ramNeededMiB } from './ram';
import { parseLdd } from './shared-libs';

export interface BootenvBuildOptions {
  /** Where vmlinuz, initrd.img and bootenv.json go. */
  readonly out: string;
  /** Where downloaded .deb files are kept between builds. */
  readonly cacheDir: string;
  /** The castpoint-agent linux-x64 single executable. */
  readonly agent: string;
  /** A linux-image-* package name. @default what linux-image-amd64 depends on */
  readonly kernelPackage?: string;
  readonly log?: (line: string) => void;
}

export interface BootenvReport {
  readonly kernelPackage: string;
  readonly kernelVersion: string;
  readonly modules: readonly string[];
  readonly kernel: string;
  readonly initrd: string;
  readonly kernelBytes: number;
  readonly initrdBytes: number;
  /** The initramfs's files once unpacked (all in RAM). */
  readonly unpackedBytes: number;
  readonly agentBytes: number;
  readonly ramMiB: number;
  readonly builtAt: string;
}

function treeBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += treeBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/** Copies `from` to `root` + `at` (an absolute path inside the initramfs), creating its folder. */
function place(root: string, from: string, at: string, mode = 0o644): void {
  const dest = path.join(root, at);
  mkdirSync(path.dirname(dest), { recursive: true });
  copyFileSync(from, dest);
  chmodSync(dest, mode);
}

/**
 * Builds the castpoint boot environment from Debian packages: the kernel, and a gzip newc
 * initramfs holding busybox, the driver modules (in load order), the agent and its glibc
 * libraries, a udhcpc script and /init. The outputs replace the old ones only once complete.
 */
export function buildBootenv(opts: BootenvBuildOptions): BootenvReport {
  const log = opts.log ?? (() => undefined);
  if (!existsSync(opts.agent)) {
    throw new BootenvError('BOOTENV_AGENT_MISSING', `no castpoint-agent executable at ${opts.agent}: run npm run package, or give --agent`, { agent: opts.agent });
  }
  mkdirSync(opts.out, { recursive: true });
  const work = mkdtempSync(path.join(opts.out, '.build-'));
  try {
    const kernelPackage = opts.kernelPackage ?? currentKernelPackage();
    log(`kernel package ${kernelPackage}`);
    const kdeb = fetchDeb(kernelPackage, opts.cacheDir);
    const bdeb = fetchDeb('busybox-static', opts.cacheDir);
    const kdir = path.join(work, 'kernel');
    const bdir = path.join(work, 'busybox');
    extractDeb(kdeb, kdir);
    extractDeb(bdeb, bdir);
    const busybox = path.join(bdir, 'bin/busybox');
    const versions = readdirSync(path.join(kdir, 'lib/modules'));
    const kernelVersion = versions[0];
    if (versions.length !== 1 || kernelVersion === undefined) throw new BootenvError('BOOTENV_PACKAGE', `${kernelPackage} holds ${versions.length} module trees, expected one`);
    // Debian's package ships no modules.dep (its postinst runs depmod): busybox makes one.
    sh(busybox, ['depmod', '-b', kdir, kernelVersion]);
    const modDir = path.join(kdir, 'lib/modules', kernelVersion);
    const order = loadOrder(parseModulesDep(readFileSync(path.join(modDir, 'modules.dep'), 'utf8')), BOOT_MODULES);
    log(`${order.length} modules for ${BOOT_MODULES.length} drivers`);

    const root = path.join(work, 'root');
    for (const d of ['bin', 'sbin', 'dev', 'proc', 'sys', 'tmp', 'run', 'etc/castpoint']) mkdirSync(path.join(root, d), { recursive: true });
    place(root, busybox, '/bin/busybox', 0o755);
    const inRoot = order.map((m) => `/lib/modules/${kernelVersion}/${m}`);
    order.forEach((m, i) => place(root, path.join(modDir, m), inRoot[i] as string));
    place(root, opts.agent, '/opt/castpoint/castpoint-agent', 0o755);
    const { libs, missing } = parseLdd(sh('ldd', [opts.agent]));
    if (missing.length > 0) throw new BootenvError('BOOTENV_COMMAND', `the agent needs libraries this machine lacks: ${missing.join(', ')}`);
    // Copied at the path ldd names (the loader's path is baked into the executable), contents of
    // the symlink's target.
    for (const lib of libs) place(root, realpathSync(lib), lib, 0o755);
    writeFileSync(path.join(root, 'init'), renderInit({ modules: inRoot, label: `${kernelVersion} ${new Date().toISOString().slice(0, 10)}` }), { mode: 0o755 });
    writeFileSync(path.join(root, 'etc/castpoint/udhcpc.sh'), renderUdhcpcScript(), { mode: 0o755 });
    const unpackedBytes = treeBytes(root);

    const initrdTmp = path.join(work, 'initrd.img');
    log('packing the initramfs (cpio newc, gzip)');
    sh('sh', ['-c', 'find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -6 > "$0"', initrdTmp], { cwd: root });
    const kernelTmp = path.join(work, 'vmlinuz');
    copyFileSync(path.join(kdir, 'boot', `vmlinuz-${kernelVersion}`), kernelTmp);

    const kernel = path.join(opts.out, 'vmlinuz');
    const initrd = path.join(opts.out, 'initrd.img');
    const kernelBytes = statSync(kernelTmp).size;
    const initrdBytes = statSync(initrdTmp).size;
    const report: BootenvReport = {
      kernelPackage,
      kernelVersion,
      modules: order,
      kernel,
      initrd,
      kernelBytes,
      initrdBytes,
      unpackedBytes,
      agentBytes: statSync(opts.agent).size,
      ramMiB: ramNeededMiB({ kernelBytes, initrdBytes, unpackedBytes }),
      builtAt: new Date().toISOString(),
    };
    renameSync(kernelTmp, kernel);
    renameSync(initrdTmp, initrd);
    writeFileSync(path.join(opts.out, 'bootenv.json'), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
