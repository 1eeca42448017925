import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { PGliteOptions } from '@electric-sql/pglite';

type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;
// The project's lib is ES2022 without DOM, which is where TypeScript declares WebAssembly.
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } }).WebAssembly;

/** What PGlite.create needs so it never has to locate and load its files itself. */
export interface PgliteAssets {
  pgliteWasmModule: WasmModule;
  initdbWasmModule: WasmModule;
  fsBundle: Blob;
}

/**
 * PGlite finds its wasm and data files next to its own module and loads them with a dynamic
 * import(), which neither Jest's CommonJS runtime nor a one-file bundle can follow. Loading them
 * here, from the installed package, works in both and compiles each wasm module once per process
 * (a memo of immutable values, not state: every store opened later reuses the same modules).
 */
let assets: Promise<PgliteAssets> | undefined;

export function pgliteAssets(): Promise<PgliteAssets> {
  assets ??= loadAssets().catch((err: unknown) => {
    assets = undefined;
    throw err;
  });
  return assets;
}

async function loadAssets(): Promise<PgliteAssets> {
  const dir = path.dirname(createRequire(__filename).resolve('@electric-sql/pglite'));
  const [pglite, initdb, data] = await Promise.all(['pglite.wasm', 'initdb.wasm', 'pglite.data'].map((f) => readFile(path.join(dir, f))));
  if (!pglite || !initdb || !data) throw new Error(`PGlite's files are missing in ${dir}`);
  const [pgliteWasmModule, initdbWasmModule] = await Promise.all([wasm.compile(pglite), wasm.compile(initdb)]);
  return { pgliteWasmModule, initdbWasmModule, fsBundle: new Blob([data]) };
}
