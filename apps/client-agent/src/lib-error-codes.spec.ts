import { CHUNKING_ERROR_CODES } from '@castpoint/chunking';
import { REPAIR_ERROR_CODES } from '@castpoint/repair';
import { TRANSPORT_ERROR_CODES } from '@castpoint/transport';
import { CastpointError, WIRE_ERROR_CODES } from '@castpoint/wire';
import type { AgentErrorCode } from './errors';
import { toAgentError } from './errors';
import { LIB_ERROR_AGENT_CODES, type LibErrorCode } from './lib-error-codes';

// A lib that adds a code must fail tsc until the table has its row: the table must not fit a
// wider code union.
// @ts-expect-error 'CHUNKING_SOMETHING_NEW' has no row
const _wider: Record<LibErrorCode | 'CHUNKING_SOMETHING_NEW', AgentErrorCode> = LIB_ERROR_AGENT_CODES;

describe('LIB_ERROR_AGENT_CODES', () => {
  const libCodes = [WIRE_ERROR_CODES, REPAIR_ERROR_CODES, CHUNKING_ERROR_CODES, TRANSPORT_ERROR_CODES].flatMap((t) => Object.keys(t));

  it('every lib code has one style: SCREAMING_SNAKE behind its lib prefix (issue 23.6)', () => {
    const prefixed = Object.entries({ WIRE: WIRE_ERROR_CODES, REPAIR: REPAIR_ERROR_CODES, CHUNKING: CHUNKING_ERROR_CODES, TRANSPORT: TRANSPORT_ERROR_CODES }).flatMap(([lib, t]) =>
      Object.keys(t).filter((code) => !new RegExp(`^${lib}_[A-Z0-9]+(_[A-Z0-9]+)*$`).test(code)),
    );
    expect(prefixed).toEqual([]);
  });

  it('has exactly one row per code of every lib', () => {
    expect(Object.keys(LIB_ERROR_AGENT_CODES).sort()).toEqual([...libCodes].sort());
  });

  it.each(Object.entries(LIB_ERROR_AGENT_CODES))('toAgentError maps lib code %s to %s', (libCode, agentCode) => {
    const e = toAgentError(new CastpointError(libCode, 'boom'));
    expect(e.code).toBe(agentCode);
    expect(e.data).toEqual({ libCode });
  });

  it('maps a code no lib declares to internal, even one named like a target fault', () => {
    expect(toAgentError(new CastpointError('DP_TARGET_WRITE_FAILED', 'x')).code).toBe('internal');
    expect(toAgentError(new CastpointError('toString', 'x')).code).toBe('internal');
  });
});
