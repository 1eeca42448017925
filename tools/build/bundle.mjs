// Bundles one entry point and every workspace lib it imports into a single CommonJS file.
// One file per app keeps `npx castpoint-*` simple and is what Node's single-executable (SEA) needs.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error('usage: node tools/build/bundle.mjs ENTRY.ts OUTFILE.cjs');
  process.exit(2);
}

// The app's version (its package.json, the nearest one above the entry) is compiled in, so
// `--version` answers the same in a bundle, an npm install and a single executable.
function appVersion(from) {
  for (let dir = path.dirname(path.resolve(from)); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) return JSON.parse(readFileSync(pkg, 'utf8')).version ?? '0.0.0';
    if (path.dirname(dir) === dir) return '0.0.0';
  }
}

// string-width (yargs and its cliui each bundle a copy) builds an Intl.Segmenter and compiles an
// emoji-property RegExp when its module is evaluated, ~15 ms of CPU in every process start
// (measured on the agent, whose plain `deploy` never measures a string). Both are made on
// first use instead. Exact text of the pinned versions: if a new version reads differently, the
// module is bundled unchanged and this says so.
const LAZY_INIT = [
  ['const segmenter = new Intl.Segmenter();', 'let segmenterOnce; const segmenter = { segment: (s) => (segmenterOnce ??= new Intl.Segmenter()).segment(s) };'],
  ['const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;', "let rgiEmojiOnce; const rgiEmojiRegex = { test: (s) => (rgiEmojiOnce ??= new RegExp('^\\\\p{RGI_Emoji}$', 'v')).test(s) };"],
];
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      let changed = 0;
      for (const [from, to] of LAZY_INIT) {
        if (text.includes(from)) {
          text = text.replace(from, () => to);
          changed++;
        }
      }
      if (changed === 0) console.warn(`bundle: ${args.path} no longer reads as expected; bundled as is (slower start)`);
      return { contents: text, loader: 'js' };
    });
  },
};

// @bokuweb/zstd-wasm (chunk compression) reads zstd.wasm beside its own file at init: a bundle or
// a single executable has no such file, so its bytes are compiled in here. Unlike the plugin
// above, a changed text fails the build: the bundle would otherwise fail at run time.
const ZSTD_WASM_READ = "const buf = yield readFile(resolve(__dirname, './zstd.wasm'));";
const inlineZstdWasm = {
  name: 'inline-zstd-wasm',
  setup(b) {
    b.onLoad({ filter: /[\\/]@bokuweb[\\/]zstd-wasm[\\/]dist[\\/]common[\\/]index\.node\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(ZSTD_WASM_READ)) throw new Error(`bundle: ${args.path} no longer loads zstd.wasm as expected; update tools/build/bundle.mjs`);
      const wasm = readFileSync(path.join(path.dirname(args.path), 'zstd.wasm')).toString('base64');
      return { contents: text.replace(ZSTD_WASM_READ, () => `const buf = Buffer.from(${JSON.stringify(wasm)}, 'base64');`), loader: 'js' };
    });
  },
};

// libs/chunking's import worker threads run worker-main.ts as an eval'd script: from sources,
// import-pool/worker-source.ts bundles it with esbuild at run time; in a bundle that module is
// replaced by the script bundled here (zstd WASM inlined), so nothing is built or read at run time.
const importWorkerSource = {
  name: 'import-worker-source',
  setup(b) {
    b.onLoad({ filter: /[\\/]libs[\\/]chunking[\\/]src[\\/]import-pool[\\/]worker-source\.ts$/ }, async (args) => {
      const worker = await build({
        plugins: [inlineZstdWasm],
        entryPoints: [path.join(path.dirname(args.path), 'worker-main.ts')],
        bundle: true,
        write: false,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        tsconfig: path.resolve('tsconfig.base.json'),
        logLevel: 'warning',
        legalComments: 'none',
      });
      const code = worker.outputFiles[0]?.text;
      if (!code) throw new Error('bundle: the import worker bundled to nothing');
      return { contents: `export function importWorkerSource() { return ${JSON.stringify(code)}; }`, loader: 'js' };
    });
  },
};

await build({
  plugins: [lazyStringWidth, inlineZstdWasm, importWorkerSource],
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  tsconfig: path.resolve('tsconfig.base.json'),
  // Optional native add-ons of dependencies that are never used at run time; koffi (the Windows
  // agent's Win32 calls) is a native module: the SEA carries its .node as an asset
  // (apps/client-agent/src/win32/koffi-native.ts), node_modules has it otherwise.
  external: ['pino-pretty', 'koffi'],
  logLevel: 'warning',
  legalComments: 'none',
  // ESM-only dependencies (yargs) read import.meta.url, which a CommonJS bundle lacks: give them
  // the bundle's own file URL instead.
  define: { 'import.meta.url': '__castpointImportMetaUrl', __CASTPOINT_VERSION__: JSON.stringify(appVersion(entry)) },
  banner: { js: "const __castpointImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});
