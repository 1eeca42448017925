import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPAIR_ERROR_CODES, RepairError, isRepairError } from './errors';
import { CastpointError } from '@castpoint/wire';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.spec.ts') ? [p] : [];
  });
}

describe('repair error codes', () => {
  it('are unique, prefixed and documented with a sentence', () => {
    const codes = Object.keys(REPAIR_ERROR_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [code, text] of Object.entries(REPAIR_ERROR_CODES)) {
      expect(code).toMatch(/^REPAIR_[A-Z_]+$/);
      expect(text).toMatch(/^[A-Z].{20,}\.$/);
    }
  });

  it('covers every code the sources throw', () => {
    const used = new Set(sources(__dirname).flatMap((f) => readFileSync(f, 'utf8').match(/'REPAIR_[A-Z_]+'/g) ?? []).map((s) => s.slice(1, -1)));
    expect(used.size).toBeGreaterThan(3);
    for (const code of used) expect(Object.keys(REPAIR_ERROR_CODES)).toContain(code);
  });

  it('are CastpointErrors with code and data', () => {
    const e = new RepairError('REPAIR_BAD_BLOCK', 'x', { block: 3 });
    expect(e).toBeInstanceOf(CastpointError);
    expect(e.code).toBe('REPAIR_BAD_BLOCK');
    expect(e.data).toEqual({ block: 3 });
  });

  it('isRepairError narrows by code, so the data of that code reads typed', () => {
    const e: unknown = new RepairError('REPAIR_NOT_ENOUGH_SYMBOLS', 'x', { k: 4, have: 3 });
    expect(isRepairError(e, 'REPAIR_BAD_BLOCK')).toBe(false);
    if (!isRepairError(e, 'REPAIR_NOT_ENOUGH_SYMBOLS')) throw new Error('expected REPAIR_NOT_ENOUGH_SYMBOLS');
    const missing: number = e.data.k - e.data.have;
    expect(missing).toBe(1);
  });
});
