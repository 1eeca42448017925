// Bundles one entry point and every workspace lib it imports into a single CommonJS file.
// One file per app keeps `npx castpoint-*` simple and is what Node's single-executable (SEA) needs.
import { build } from 'esbuild';
import path from 'node:path';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: node tools/build/bundle.mjs ENTRY.ts OUTFILE.cjs');
  process.exit(2);
}

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  tsconfig: path.resolve('tsconfig.base.json'),
  // Optional native add-ons of dependencies that are never used at run time.
  external: ['pino-pretty'],
  logLevel: 'warning',
  legalComments: 'none',
  // ESM-only dependencies (yargs) read import.meta.url, which a CommonJS bundle lacks: give them
  // the bundle's own file URL instead.
  define: { 'import.meta.url': '__castpointImportMetaUrl' },
  banner: { js: "const __castpointImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});
