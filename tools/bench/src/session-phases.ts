// Where a castpoint run's wall time goes, from the DP's own session record: before the session
// started (the agents' start, their join, the scheduled session's wait for the last of them),
// the session itself (first data to the last receiver done), and after it (the agents' check,
// report and exit). The bench's wall clock runs from the agents' start to their exit.

export interface SessionPhases {
  /** Agents started -> the session's start. */
  readonly beforeSeconds: number;
  /** The session's start -> its end (every receiver done). */
  readonly sessionSeconds: number;
  /** The session's end -> the last agent's exit. */
  readonly afterSeconds: number;
  /** Sessions the DP ran for the image (1 when all joined one). */
  readonly sessions: number;
}

/**
 * The phases of one run, from `session list --json` and the run's clock (`startedAtMs`, wall
 * seconds); undefined when the DP listed no ended session for `image`.
 */
export function sessionPhases(sessions: ReadonlyArray<Record<string, unknown>>, image: string, startedAtMs: number, wallSeconds: number): SessionPhases | undefined {
  const mine = sessions.filter((s) => s['image'] === image && typeof s['startedAt'] === 'string' && typeof s['endedAt'] === 'string');
  if (mine.length === 0) return undefined;
  const starts = mine.map((s) => Date.parse(String(s['startedAt'])));
  const ends = mine.map((s) => Date.parse(String(s['endedAt'])));
  if ([...starts, ...ends].some(Number.isNaN)) return undefined;
  const first = Math.min(...starts);
  const last = Math.max(...ends);
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    beforeSeconds: round((first - startedAtMs) / 1000),
    sessionSeconds: round((last - first) / 1000),
    afterSeconds: round(startedAtMs / 1000 + wallSeconds - last / 1000),
    sessions: mine.length,
  };
}

export function phasesText(p: SessionPhases | undefined): string {
  if (!p) return 'session times unknown';
  return `before the session ${p.beforeSeconds.toFixed(2)} s, session ${p.sessionSeconds.toFixed(2)} s${p.sessions > 1 ? ` (${p.sessions} sessions)` : ''}, after it ${p.afterSeconds.toFixed(2)} s`;
}
