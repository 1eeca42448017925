// The JavaScript an import worker thread runs (worker-main.ts and what it imports, as one script
// for `new Worker(source, { eval: true })`), so the lib needs no file beside an app's bundle.
//
// In a bundle (tools/build/bundle.mjs) this whole module is REPLACED at build time by one that
// returns worker-main.ts already bundled, the zstd WASM bytes inlined as for the main bundle
// (plugin `import-worker-source`): no esbuild and no node_modules at run time, so the DP's
// main.cjs runs from any folder. The code below runs only from sources (jest, tools run with
// ts loaders): it bundles worker-main.ts once per process with esbuild, a dev dependency, and
// leaves @bokuweb/zstd-wasm to be required from this folder's node_modules (it reads its .wasm
// beside itself there).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Esbuild from 'esbuild';

let cached: string | undefined;

export function importWorkerSource(): string {
  if (cached !== undefined) return cached;
  const req = createRequire(__filename);
  // Required here, not imported: a bundle has this module replaced and never loads esbuild.
  const { buildSync } = req('esbuild') as typeof Esbuild;
  const out = buildSync({
    entryPoints: [join(__dirname, 'worker-main.ts')],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@bokuweb/zstd-wasm'],
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]?.text;
  if (code === undefined) throw new Error('internal: esbuild produced no import worker');
  // An eval'd worker resolves require() from the process's cwd: resolve from here instead.
  cached = `(function (require) {\n${code}\n})(require('node:module').createRequire(${JSON.stringify(__filename)}));`;
  return cached;
}
