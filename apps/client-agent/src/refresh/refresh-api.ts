// POST /api/v1/agent/refresh (dp-server http/refresh-route.ts) as the agent writes and reads it.
import { AgentError } from '../errors';
import type { AssignmentRequest } from '../flow/run-assignment';

/** The identity `run` sends, and optionally the deployment to re-arm. */
export interface RefreshRequest extends Omit<AssignmentRequest, 'choose'> {
  deployment?: string;
}

export interface RefreshAnswer {
  machine: string;
  deployment: string;
  image: string;
  /** 0 when the deployment was pending already. */
  rearmed: number;
}

export function parseRefreshAnswer(v: unknown): RefreshAnswer {
  const bad = (why: string): AgentError => new AgentError('dp-refused', `The DP sent a malformed refresh answer: ${why}`);
  if (typeof v !== 'object' || v === null) throw bad('not an object');
  const r = v as Record<string, unknown>;
  const str = (k: string): string => {
    const x = r[k];
    if (typeof x !== 'string' || x === '') throw bad(`${k} is not a string`);
    return x;
  };
  const n = r['rearmed'];
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw bad('rearmed is not a count');
  return { machine: str('machine'), deployment: str('deployment'), image: str('image'), rearmed: n };
}
