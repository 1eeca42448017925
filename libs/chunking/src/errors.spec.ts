import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CastpointError } from '@castpoint/wire';
import { CHUNKING_ERROR_CODES, ChunkingError } from './errors';

const srcDir = __dirname;
const sources = readdirSync(srcDir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts') && f !== 'errors.ts')
  .map((f) => readFileSync(join(srcDir, f), 'utf8'))
  .join('\n');

describe('CHUNKING_ERROR_CODES', () => {
  const codes = Object.keys(CHUNKING_ERROR_CODES);

  it('has one distinct sentence per code, and codes share the CHUNKING_ prefix', () => {
    const sentences = Object.values(CHUNKING_ERROR_CODES);
    expect(new Set(sentences).size).toBe(sentences.length);
    for (const [code, sentence] of Object.entries(CHUNKING_ERROR_CODES)) {
      expect(code).toMatch(/^CHUNKING_[A-Z_]+$/);
      expect(sentence).toMatch(/^[A-Z].{20,}\.$/);
    }
  });

  it('every code thrown in the source is in the table, and every table code is thrown somewhere', () => {
    const used = new Set([...sources.matchAll(/'(CHUNKING_[A-Z_]+)'/g)].map((m) => m[1]));
    for (const u of used) expect(codes).toContain(u);
    for (const c of codes) expect(used).toContain(c);
  });

  it('every code is documented in docs/chunking.md', () => {
    const doc = readFileSync(join(srcDir, '../../../docs/chunking.md'), 'utf8');
    for (const c of codes) expect(doc).toContain(c);
  });

  it('ChunkingError is a CastpointError carrying code and data', () => {
    const e = new ChunkingError('CHUNKING_TARGET_TOO_SMALL', 'too small', { expected: 2, actual: 1 });
    expect(e).toBeInstanceOf(CastpointError);
    expect(e.code).toBe('CHUNKING_TARGET_TOO_SMALL');
    expect(e.data).toEqual({ expected: 2, actual: 1 });
  });
});
