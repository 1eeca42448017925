import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CastpointError } from '@castpoint/wire';
import { AGENT_ERROR_CODES, AgentError, EXIT, EXIT_CODE_DOCS, exitCodeOf, toAgentError } from './errors';

describe('exit codes', () => {
  it('are distinct per failure class the issue names', () => {
    const values = Object.values(EXIT);
    expect(new Set(values).size).toBe(values.length);
    expect(EXIT.ok).toBe(0);
    for (const k of ['usage', 'dpUnreachable', 'imageUnknown', 'targetRefused', 'verificationFailed', 'removedByPolicy'] as const) {
      expect(EXIT[k]).toBeGreaterThan(0);
    }
  });

  it('each have one documented sentence, and docs/agent.md lists every one', () => {
    const doc = readFileSync(path.resolve(__dirname, '../../../docs/agent.md'), 'utf8');
    for (const [code, sentence] of Object.entries(EXIT_CODE_DOCS)) {
      expect(sentence).toMatch(/^[A-Z].*\.$/);
      expect(doc).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
    }
    expect(Object.keys(EXIT_CODE_DOCS).map(Number).sort()).toEqual(Object.values(EXIT).sort());
  });

  it('every agent error code maps to a documented exit code and has a sentence', () => {
    for (const [code, v] of Object.entries(AGENT_ERROR_CODES)) {
      expect(EXIT_CODE_DOCS[v.exit]).toBeDefined();
      expect(v.doc.length).toBeGreaterThan(10);
      expect(exitCodeOf(new AgentError(code as keyof typeof AGENT_ERROR_CODES, 'x'))).toBe(v.exit);
    }
  });
});

describe('toAgentError', () => {
  it.each([
    ['CHUNKING_CHUNK_HASH_MISMATCH', 'verification-failed'],
    ['CHUNKING_MANIFEST_INVALID', 'verification-failed'],
    ['CHUNKING_TARGET_TOO_SMALL', 'target-refused'],
    ['CHUNKING_TARGET_MOUNTED', 'target-refused'],
    ['CHUNKING_TARGET_NOT_WRITABLE', 'target-refused'],
    ['CHUNKING_WRITE_FAILED', 'target-refused'],
    ['CHUNKING_JOURNAL_IO', 'target-refused'],
    ['CHUNKING_STATE_DIR_REQUIRED', 'usage'],
    ['SOMETHING_ELSE', 'internal'],
  ])('maps lib code %s to %s', (libCode, agentCode) => {
    const e = toAgentError(new CastpointError(libCode, 'boom'));
    expect(e.code).toBe(agentCode);
    expect(e.message).toBe('boom');
  });

  it('keeps agent errors and wraps plain errors as internal', () => {
    const a = new AgentError('image-unknown', 'no such image');
    expect(toAgentError(a)).toBe(a);
    expect(toAgentError(new Error('oops')).code).toBe('internal');
    expect(toAgentError('text').message).toBe('text');
  });
});
