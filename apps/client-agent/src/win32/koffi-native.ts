// Loads koffi's native module. koffi 2.x (pinned: 3.x moved its binaries to optional per-platform
// packages that npm on Linux never installs) ships build/koffi/win32_x64/koffi.node (and
// linux_x64/koffi.node) inside the package. A single executable has no node_modules:
// apps/client-agent/scripts/package.mjs puts its platform's file into the SEA blob as the asset
// koffiAsset() names; here it is written to a temporary file (named by
// its hash, so several agents share one copy and a stale one is never loaded) and process.dlopen'ed.
// Outside a SEA (the bundle or the sources run by node), koffi is required from node_modules.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as Koffi from 'koffi';

export type KoffiModule = typeof Koffi;

/** The SEA asset names, shared with scripts/package.mjs: each executable carries its platform's binary. */
export const KOFFI_ASSET = 'koffi-win32-x64.node';
/** The Linux executable's: the group socket's recvmmsg goes through koffi (libs/transport recvmmsg.ts). */
export const KOFFI_LINUX_ASSET = 'koffi-linux-x64.node';

/** The asset this executable's platform carries. */
export function koffiAsset(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? KOFFI_ASSET : KOFFI_LINUX_ASSET;
}

export interface SeaModule {
  isSea(): boolean;
  getRawAsset(key: string): ArrayBuffer;
}

/** Writes `bytes` to `dir/<prefix>-<sha256 prefix>.node` unless that file is there; returns its path. */
export function materialize(bytes: Uint8Array, dir: string, prefix = 'koffi'): string {
  const name = `${prefix}-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.node`;
  const file = path.join(dir, name);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  // Written aside then renamed: a second agent starting at the same time never loads half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
  return file;
}

/** node:sea when this process is a single executable, else undefined. */
export function seaModule(): SeaModule | undefined {
  try {
    // Required, not imported: node:sea exists only from Node 20.12 and only matters in a SEA.
    const sea = require('node:sea') as SeaModule;
    return sea.isSea() ? sea : undefined;
  } catch {
    return undefined;
  }
}

let loaded: KoffiModule | undefined;

/** koffi, loaded once; throws with the reason when the native module cannot be loaded. */
export function loadKoffi(): KoffiModule {
  if (loaded !== undefined) return loaded;
  const sea = seaModule();
  if (sea !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(sea.getRawAsset(koffiAsset()));
    } catch (err) {
      throw new Error(`this castpoint-agent executable carries no ${koffiAsset()} (built without it): ${(err as Error).message}`, { cause: err });
    }
    const file = materialize(bytes, path.join(tmpdir(), 'castpoint-agent'));
    const mod = { exports: {} as KoffiModule };
    process.dlopen(mod, file);
    loaded = mod.exports;
  } else {
    // Kept external by tools/build/bundle.mjs: its .node files cannot be bundled.
    loaded = require('koffi') as KoffiModule;
  }
  return loaded;
}
