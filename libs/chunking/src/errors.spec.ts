import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CastpointError } from '@castpoint/wire';
import { CHUNKING_ERROR_CODES, ChunkingError, asChunkingError, isChunkingError } from './errors';

const srcDir = __dirname;
// The library's own folders too (win/ throws CHUNKING_WIM_INVALID); not bench/ (its CHUNKING_BENCH_MIB is an env name).
const sources = readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts') && f !== 'errors.ts' && !f.startsWith('bench'))
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
    const e = new ChunkingError('CHUNKING_TARGET_TOO_SMALL', 'too small', { path: '/dev/sdz', expected: 2, actual: 1 });
    expect(e).toBeInstanceOf(CastpointError);
    expect(e.code).toBe('CHUNKING_TARGET_TOO_SMALL');
    expect(e.data).toEqual({ path: '/dev/sdz', expected: 2, actual: 1 });
  });

  it('isChunkingError narrows by code, so the data of that code reads typed', () => {
    const e: unknown = new ChunkingError('CHUNKING_DIR_IN_USE', 'in use', { path: '/s/agent.lock', pid: 42 });
    expect(isChunkingError(e, 'CHUNKING_WRITE_FAILED')).toBe(false);
    if (!isChunkingError(e, 'CHUNKING_DIR_IN_USE')) throw new Error('expected CHUNKING_DIR_IN_USE');
    const pid: number | undefined = e.data.pid;
    expect(pid).toBe(42);
  });

  it('asChunkingError keeps the cause and its errno, and never wraps a ChunkingError twice', () => {
    const os = Object.assign(new Error('no space left'), { code: 'ENOSPC' });
    const e = asChunkingError('CHUNKING_WRITE_FAILED', 'cannot write chunk 3', os, { path: '/t', chunk: 3 });
    expect(e.message).toBe('cannot write chunk 3: no space left');
    expect(e.data).toEqual({ path: '/t', chunk: 3, errno: 'ENOSPC' });
    expect(e.cause).toBe(os);
    expect(asChunkingError('CHUNKING_JOURNAL_IO', 'again', e, { path: '/j' })).toBe(e);
  });
});
