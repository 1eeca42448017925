// A session request the DP refused (unknown image, image file changed or broken, outside the
// image roots, a cancelled wait) goes into the machine's deployment history, as issue 24 asks
// ("failed requests ... are recorded too"): `history --machine` then shows why a machine that
// ran `deploy` got nothing. Until now only the dashboard's in-memory refusal list had them.
import { isCastpointError } from '@castpoint/wire';
import type { FastifyBaseLogger } from 'fastify';
import { DP_ERROR_STATUS, type DpErrorCode } from '../errors';
import type { DpStore } from '../store/dp-store';

export interface RequestingMachine {
  id: number;
  name: string;
}

/**
 * Refusals an agent cannot overcome by asking again: 4xx answers, except a rate limit (429),
 * which only says "later". The DP's own trouble (5xx: busy, storage full) is no fact about the
 * machine's deployment and stays out of its history.
 */
export function isRefusalForHistory(err: unknown): err is Error & { code: DpErrorCode } {
  if (!isCastpointError(err)) return false;
  const status = DP_ERROR_STATUS[err.code as DpErrorCode] as number | undefined;
  return status !== undefined && status >= 400 && status < 500 && status !== 429;
}

/**
 * Records `err` for `machine` when it is such a refusal. Only machines the store knows by MAC
 * (an unknown agent is not registered by a session request, see MachineQueries.nameForMacs). A
 * history write that fails costs the entry, never the answer: it is logged.
 */
export async function recordRefusedSession(store: DpStore, machine: RequestingMachine | undefined, image: string, err: unknown, at: Date, log: FastifyBaseLogger): Promise<void> {
  if (!machine || !isRefusalForHistory(err)) return;
  try {
    await store.history.refused({ machineId: machine.id, machineName: machine.name, deploymentId: null, deploymentName: null, image, startedAt: at }, `session request refused (${err.code}): ${err.message}`);
  } catch (writeErr) {
    log.warn({ err: writeErr, machine: machine.name, image }, 'the refused session request could not be written to the history');
  }
}
