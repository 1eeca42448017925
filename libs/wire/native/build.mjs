// Builds castpoint-native.node (addon.c, packet-mac.c, packet-aead.c, udp-send.c) into dist/native with the system C compiler, against
// the Node headers this machine has: npm's nodedir (npm config), else the running Node's own prefix.
// Nothing is downloaded. Where there is no compiler or no headers (or not Linux), it says why and
// writes nothing: PacketMac then keeps its node:crypto engine (libs/wire native-addon.ts), which
// gives the same bytes at two to ten times the CPU.
//   node libs/wire/native/build.mjs [OUT_DIR]   (default dist/native)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const outDir = path.resolve(root, process.argv[2] ?? 'dist/native');
const out = path.join(outDir, 'castpoint-native.node');

function headerDir() {
  const prefixes = [];
  try {
    const nodedir = execFileSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (nodedir && nodedir !== 'undefined' && nodedir !== 'null') prefixes.push(nodedir);
  } catch {
    // npm not on the PATH: the running Node's prefix below.
  }
  prefixes.push(path.resolve(path.dirname(process.execPath), '..'));
  for (const prefix of prefixes) {
    const dir = path.join(prefix, 'include/node');
    if (existsSync(path.join(dir, 'node_api.h')) && existsSync(path.join(dir, 'openssl/sha.h'))) return dir;
  }
  return undefined;
}

function skip(why) {
  // A stale add-on from an earlier build must not outlive a build that could not make one.
  rmSync(out, { force: true });
  console.warn(`native: castpoint-native.node not built (${why}); the packet HMAC and AES-GCM stay on node:crypto`);
  process.exit(0);
}

if (process.platform !== 'linux') skip(`built on Linux only, this is ${process.platform}`);
const include = headerDir();
if (include === undefined) skip('no Node headers with OpenSSL (include/node/node_api.h, openssl/sha.h) under npm nodedir or the Node prefix');
const cc = process.env.CC || 'cc';
mkdirSync(outDir, { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
try {
  // -z now: every symbol (Node's OpenSSL) is bound when the file is loaded, so a host without them
  // refuses it at dlopen. -fvisibility=hidden: only the N-API entry point is exported.
  execFileSync(cc, ['-O2', '-std=c11', '-fPIC', '-shared', '-fvisibility=hidden', '-Wall', '-Wextra', '-Wl,-z,now', `-I${include}`, '-o', tmp, ...['addon.c', 'packet-mac.c', 'packet-aead.c', 'udp-send.c'].map((f) => path.join(here, f))], { stdio: 'inherit' });
} catch (err) {
  rmSync(tmp, { force: true });
  skip(`${cc} failed: ${err.message.split('\n')[0]}`);
}
renameSync(tmp, out);
console.log(`native: built ${path.relative(root, out)} (headers ${include})`);
