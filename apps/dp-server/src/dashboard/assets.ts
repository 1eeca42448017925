// The chart library (uPlot) is served by the DP itself from the installed package, as the API
// docs' files are: the dashboard works on a LAN with no way out, and the page's CSP allows no other
// origin. Inside the single-file bundle the package folder is found from the bundle and the cwd.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface DashboardAsset {
  readonly type: string;
  readonly body: Buffer;
}

/** The first node_modules/PKG/REL found walking up from each start. */
export function findPackageFile(pkg: string, rel: string, starts: readonly string[] = [__dirname, process.cwd()]): string | undefined {
  for (const start of starts) {
    for (let dir = start; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', pkg, rel);
      if (existsSync(candidate)) return candidate;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

/** URL path (under /assets/) -> file of an npm package. */
const ASSET_FILES: Readonly<Record<string, { pkg: string; rel: string; type: string }>> = {
  'uplot.js': { pkg: 'uplot', rel: 'dist/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  'uplot.css': { pkg: 'uplot', rel: 'dist/uPlot.min.css', type: 'text/css; charset=utf-8' },
};

/** Reads the assets once; a missing one is left out (the page then shows tables without a chart). */
export function loadDashboardAssets(starts?: readonly string[]): Map<string, DashboardAsset> {
  const out = new Map<string, DashboardAsset>();
  for (const [name, a] of Object.entries(ASSET_FILES)) {
    const file = findPackageFile(a.pkg, a.rel, starts);
    if (file) out.set(name, { type: a.type, body: readFileSync(file) });
  }
  return out;
}
