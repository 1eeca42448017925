/**
 * The shared libraries `ldd` lists for an executable: resolved paths (the `=> /path` form and the
 * loader's bare absolute path). The vDSO has no file and is skipped; a library ldd cannot find is
 * returned in `missing`, so the build stops instead of making an initramfs whose agent cannot start.
 */
export function parseLdd(text: string): { libs: string[]; missing: string[] } {
  const libs: string[] = [];
  const missing: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('linux-vdso') || line.includes('statically linked')) continue;
    const arrow = /^(\S+)\s+=>\s+(.*?)(\s+\(0x[0-9a-f]+\))?$/.exec(line);
    if (arrow) {
      const where = arrow[2]?.trim() ?? '';
      if (where === 'not found' || where === '') missing.push(arrow[1] ?? line);
      else libs.push(where);
      continue;
    }
    const bare = /^(\/\S+)\s+\(0x[0-9a-f]+\)$/.exec(line);
    if (bare?.[1]) libs.push(bare[1]);
  }
  return { libs, missing };
}
