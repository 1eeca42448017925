import { DeployError } from '../deployments/errors';

/**
 * Where a page of history ends: the last entry's start time and id. History is listed newest
 * first by (started_at, id), and a keyset cursor keeps pages stable while attempts are added
 * (an offset would skip or repeat entries). Written "MS.ID", e.g. 1764583200000.42.
 */
export interface HistoryCursor {
  startedAt: Date;
  id: number;
}

const CURSOR = /^(\d{1,15})\.(\d{1,10})$/;

export function formatHistoryCursor(c: HistoryCursor): string {
  return `${c.startedAt.getTime()}.${c.id}`;
}

export function parseHistoryCursor(text: string): HistoryCursor {
  const m = CURSOR.exec(text);
  if (!m) throw new DeployError('DP_BAD_CURSOR', `history cursor "${text}" is not the next cursor of a previous page (MS.ID)`, { cursor: text });
  return { startedAt: new Date(Number(m[1])), id: Number(m[2]) };
}
