// The client records: one per machine being imaged, linked across re-registrations by the
// previous receiver id an agent presents.
import type { AgentProgress, KickReason, LeaveReason } from '@castpoint/wire';
import type { ClientRecord, ClientState } from '../state/types';
import type { ReceiverReport } from './runner';

/** A client in one of these states no longer needs the multicast session. */
export function isTerminal(state: ClientState): boolean {
  return state === 'done' || state === 'failed' || state === 'fallback';
}

export interface Registration {
  readonly receiverId: number;
  readonly hostname: string;
  readonly image: string;
  readonly nowMs: number;
  readonly chunksDone?: number | undefined;
  readonly totalChunks: number;
  /** The request's source address, reported MACs and the SQL store's name for them, when known. */
  readonly ip?: string | undefined;
  readonly macs?: readonly string[] | undefined;
  readonly machine?: string | undefined;
}

export class ClientBook {
  /** receiverId -> client (every id a client ever had). */
  private readonly byId = new Map<number, ClientRecord>();

  constructor(private readonly records: ClientRecord[]) {
    for (const c of records) for (const r of c.receiverIds) this.byId.set(r, c);
  }

  list(): readonly ClientRecord[] {
    return this.records;
  }

  byReceiverId(id: number): ClientRecord | undefined {
    return this.byId.get(id);
  }

  /** Clients receiving by multicast now (counted against --max-clients). */
  activeCount(except?: number): number {
    return this.records.filter((c) => c.id !== except && c.sessionId !== undefined && !isTerminal(c.state)).length;
  }

  /** Forgets these clients (pruned): their records and every receiver id they had. */
  remove(gone: ReadonlySet<ClientRecord>): void {
    if (gone.size === 0) return;
    for (const c of gone) for (const r of c.receiverIds) if (this.byId.get(r) === c) this.byId.delete(r);
    // The array is the state's own (state.clients): filtered in place.
    let w = 0;
    for (const c of this.records) if (!gone.has(c)) this.records[w++] = c;
    this.records.length = w;
  }

  /** Gives `existing` (or a new client) the fresh receiver id. */
  register(existing: ClientRecord | undefined, r: Registration): ClientRecord {
    const at = new Date(r.nowMs).toISOString();
    let c = existing;
    if (!c) {
      c = {
        id: r.receiverId,
        hostname: r.hostname,
        image: r.image,
        receiverId: r.receiverId,
        receiverIds: [],
        state: 'waiting',
        chunksDone: 0,
        totalChunks: r.totalChunks,
        bytesDone: 0,
        rateBps: 0,
        repairedSymbols: 0,
        progress: 0,
        tier: 0,
        fallback: false,
        firstSeen: at,
        lastSeen: at,
        startedAt: at,
      };
      this.records.push(c);
    }
    c.receiverId = r.receiverId;
    c.receiverIds.push(r.receiverId);
    c.image = r.image;
    c.lastSeen = at;
    if (r.ip) c.ip = r.ip;
    if (r.macs && r.macs.length > 0) c.macs = [...r.macs];
    if (r.machine !== undefined) c.machine = r.machine;
    // A resumed attempt (same record) is not over any more: its end comes with its next terminal state.
    delete c.endedAt;
    delete c.result;
    c.totalChunks = r.totalChunks;
    // A registration starts progress afresh from what the agent says it holds (its journal).
    c.chunksDone = r.chunksDone ?? 0;
    c.progress = r.totalChunks > 0 ? Math.min(1, c.chunksDone / r.totalChunks) : 0;
    delete c.message;
    this.byId.set(r.receiverId, c);
    return c;
  }

  applyProgress(c: ClientRecord, p: AgentProgress, nowMs: number): void {
    // A report is the agent's whole status: a new state without a message ends the old message
    // (a client "done" kept showing "syncing the target").
    if (p.message !== undefined) c.message = p.message;
    else if (p.state !== c.state) delete c.message;
    c.state = p.state;
    c.chunksDone = p.chunksDone;
    c.totalChunks = p.totalChunks;
    c.bytesDone = p.bytesDone;
    c.rateBps = p.rateBps;
    c.repairedSymbols = p.repairedSymbols;
    // Chunks written (these reports) trail blocks received (the session's status packets): within
    // one registration progress only grows, or the two scales make it jump back and forth.
    const ratio = p.totalChunks > 0 ? Math.min(1, p.chunksDone / p.totalChunks) : p.state === 'done' ? 1 : 0;
    c.progress = Math.max(c.progress, ratio);
    c.lastSeen = new Date(nowMs).toISOString();
    noteEnd(c, c.lastSeen);
  }

  applyStatus(c: ClientRecord, r: ReceiverReport, nowMs: number): void {
    // A status packet never moves a client out of fallback or done: those come from the agent itself.
    if (!isTerminal(c.state) || r.state === 'done') c.state = r.state;
    c.rateBps = r.rateBps;
    if (r.totalBlocks > 0) c.progress = Math.max(c.progress, Math.min(1, r.blocksDone / r.totalBlocks));
    c.lastSeen = new Date(nowMs).toISOString();
    noteEnd(c, c.lastSeen);
  }

  /** The sender kicked this client out of its session. */
  applyKick(c: ClientRecord, reason: KickReason, detail: string, multicastOnly: boolean, nowMs: number): void {
    if (reason === 'tier') {
      // It will ask again and join the slower tier's session.
      c.tier += 1;
      c.state = 'waiting';
      delete c.sessionId;
    } else if ((reason === 'fallback' || reason === 'policy') && !multicastOnly) {
      c.fallback = true;
      c.state = 'fallback';
    } else c.state = 'failed';
    c.message = `${reason}: ${detail}`;
    noteEnd(c, new Date(nowMs).toISOString());
  }

  /** The client left its session (or the sender dropped it as silent). */
  applyLeave(c: ClientRecord, reason: LeaveReason, nowMs: number): void {
    if (reason === 'complete') c.state = 'done';
    else if (!isTerminal(c.state)) {
      // Silent (inactive) or gone: an agent that is still alive re-asks the DP or falls back, and
      // its next report moves it on from here.
      c.state = 'failed';
      c.message = reason === 'inactive' ? 'dropped from the session: not heard from' : 'left the session';
    }
    noteEnd(c, new Date(nowMs).toISOString());
  }
}

/**
 * The first terminal state ends the attempt: its time and result stay (a later status packet or
 * report does not move them); a new registration of the same client reopens it.
 */
function noteEnd(c: ClientRecord, at: string): void {
  if (!isTerminal(c.state) || c.endedAt !== undefined) return;
  c.endedAt = at;
  c.result = c.state;
}
