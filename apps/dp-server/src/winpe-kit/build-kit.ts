// Writes the WinPE kit into a folder laid out like boot.wim's root: the agent .exe (checked to be a
// 64-bit PE, its imports listed), and kit-files.ts's scripts. The admin copies the folder over the
// mounted boot.wim (docs/preinstall.md, "WinPE").
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dllsToCheck, kitFiles, type KitSettings } from './kit-files';
import { peImports, type PeImports } from './pe-imports';

export interface KitOptions extends Omit<KitSettings, 'dlls'> {
  readonly out: string;
  /** castpoint-agent-win-x64.exe. */
  readonly agent: string;
}

export interface KitReport {
  readonly out: string;
  readonly files: readonly string[];
  readonly imports: PeImports;
  /** What check-dlls.cmd looks for in WinPE's System32. */
  readonly dllsToCheck: readonly string[];
}

export class KitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KitError';
  }
}

function readImports(file: string): PeImports {
  const fd = openSync(file, 'r');
  try {
    return peImports((offset, length) => {
      const b = Buffer.alloc(length);
      return b.subarray(0, readSync(fd, b, 0, length, offset));
    });
  } finally {
    closeSync(fd);
  }
}

export function buildWinpeKit(o: KitOptions): KitReport {
  if (!existsSync(o.agent)) throw new KitError(`no castpoint-agent Windows executable at ${o.agent}: run npx nx run client-agent:package, or give --agent`);
  let imports: PeImports;
  try {
    imports = readImports(o.agent);
  } catch (err) {
    throw new KitError(`${o.agent}: ${(err as Error).message}`);
  }
  const files = kitFiles({ ...o, dlls: [...imports.dlls, ...imports.delayLoaded] });
  const written: string[] = [];
  const place = (rel: string): string => {
    const to = path.join(o.out, rel);
    mkdirSync(path.dirname(to), { recursive: true });
    written.push(rel);
    return to;
  };
  copyFileSync(o.agent, place('castpoint/castpoint-agent.exe'));
  for (const f of files) writeFileSync(place(f.path), f.text);
  return { out: o.out, files: written, imports, dllsToCheck: dllsToCheck([...imports.dlls, ...imports.delayLoaded]) };
}
