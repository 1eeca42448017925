import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DECODE_ERROR_FIXTURES, ENCODE_ERROR_FIXTURES } from './packet.fixtures';
import { SIGNED_DECODE_ERROR_FIXTURES } from './signed-packet.fixtures';
import { DECODE_ERROR_CODES, WIRE_ERROR_CODES, WireError } from './wire-error';
import { CastpointError, isCastpointError } from './errors';

const protocolDoc = readFileSync(path.join(__dirname, '../../../docs/protocol.md'), 'utf8');

describe('wire error codes', () => {
  const codes = Object.keys(WIRE_ERROR_CODES);

  it('are unique, WIRE_ SCREAMING_SNAKE like the other libs codes, and have a sentence each', () => {
    expect(new Set(codes).size).toBe(codes.length);
    for (const [code, sentence] of Object.entries(WIRE_ERROR_CODES)) {
      expect(code).toMatch(/^WIRE_[A-Z0-9]+(_[A-Z0-9]+)*$/);
      expect(sentence).toMatch(/^[A-Z].{10,}\.$/);
    }
  });

  it('list decode codes once each, all of them wire codes', () => {
    expect(new Set(DECODE_ERROR_CODES).size).toBe(DECODE_ERROR_CODES.length);
    for (const code of DECODE_ERROR_CODES) expect(codes).toContain(code);
  });

  it('are each documented in docs/protocol.md', () => {
    for (const code of codes) expect(protocolDoc).toContain(`\`${code}\``);
  });

  it('each have an error fixture row (decode codes) or an encode/key test', () => {
    const decodeRows = [...DECODE_ERROR_FIXTURES, ...SIGNED_DECODE_ERROR_FIXTURES];
    const covered = new Set<string>([...decodeRows.map((f) => f.code), ...ENCODE_ERROR_FIXTURES.map((f) => f.code), 'WIRE_BAD_KEY']);
    for (const code of codes) expect(covered).toContain(code);
    for (const code of DECODE_ERROR_CODES) expect(decodeRows.map((f) => f.code)).toContain(code);
  });

  it('are CastpointErrors with their code and data', () => {
    const err = new WireError('WIRE_BAD_FIELD', 'k out of range', { field: 'k', value: 0 });
    expect(err).toBeInstanceOf(CastpointError);
    expect(isCastpointError(err, 'WIRE_BAD_FIELD')).toBe(true);
    expect(err.data).toEqual({ field: 'k', value: 0 });
    expect(err.name).toBe('WireError');
  });
});
