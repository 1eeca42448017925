// @fastify/swagger-ui serves its files from a folder next to its own source; inside the single
// bundle that folder is elsewhere, so look for the installed package from the bundle and the cwd.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function findSwaggerUiStatic(starts: readonly string[] = [__dirname, process.cwd()]): string | undefined {
  for (const start of starts) {
    let dir = start;
    for (;;) {
      const candidate = join(dir, 'node_modules', '@fastify', 'swagger-ui', 'static');
      if (existsSync(join(candidate, 'index.html'))) return candidate;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

/** A small logo so the UI never reads one from the package folder. */
export const DOCS_LOGO = {
  type: 'image/svg+xml',
  content: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="24"><text x="0" y="18" font-family="sans-serif" font-size="18" fill="#fff">castpoint</text></svg>'),
};
