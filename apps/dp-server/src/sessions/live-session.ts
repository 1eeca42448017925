// Everything about one session while it is live (waiting or running): its stored record, its times
// as ms, its runner, its measured rate, the agents waiting for its start and their held requests,
// whether the engine called it finished, and whether it changed since the last save. `end()` lets
// go of all of it at once. The manager (manager.ts) keeps the registry of these, saves, and wires
// runners' events to clients; the rules of who gets in are admission.ts's.
import type { Clock } from '@castpoint/transport';
import type { SessionRecord } from '../state/types';
import type { AdmissionSession } from './admission';
import { STEP_LIMIT_MS, startRunner } from './deadline';
import type { RunnerStats, SessionRunner } from './runner';
import { startReason, type StartReason } from './schedule';
import { HeldRequests } from './held-requests';
import { isoTime, sessionTimes, type SessionTimes } from './session-record';
import { ThroughputMeter } from './throughput';
import { WaiterRoll } from './waiter-roll';

/**
 * Agents that waited for a scheduled session poll again (every 0.5-2 s) once it started: the
 * session does not end before they joined, or this long after its start.
 */
export const JOIN_GRACE_MS = 10_000;
/**
 * The longest a scheduled start holds its data for the agents that were waiting: their held
 * request answered (or their next poll), joining the group, and their first status report.
 */
export const HOLD_FOR_JOINERS_MS = 1500;
/** A running session that no agent joined ends after this long (PXE-booting a room takes minutes). */
export const UNJOINED_SESSION_MS = 30 * 60_000;

export type EndState = 'done' | 'cancelled' | 'failed';

/** Whether a receiver of the session is done, as the client records say (undefined: no such client). */
export type ReceiverDone = (receiverId: number) => boolean | undefined;

export class LiveSession {
  private runner: SessionRunner | undefined;
  private readonly held: HeldRequests;
  private readonly roll = new WaiterRoll();
  private readonly meter = new ThroughputMeter();
  /** MTUs of the agents known before it runs (its first agent, its waiters), for its symbol size. */
  private readonly mtus = new Map<string, number>();
  /** The engine reported every receiver complete (ending may still wait for JOIN_GRACE_MS). */
  private engineFinished = false;
  private times: SessionTimes;
  /** Changed since the last save. */
  dirty = false;

  /** `record` is the one in the state (saved with it); `times` its times as ms (sessionTimes for a loaded one). */
  constructor(
    readonly record: SessionRecord,
    times: SessionTimes,
    clock: Pick<Clock, 'schedule'>,
  ) {
    this.times = times;
    this.held = new HeldRequests(clock);
  }

  /** A session of the loaded state (a DP restart): its ISO times are read once, here. */
  static loaded(record: SessionRecord, clock: Pick<Clock, 'schedule'>): LiveSession {
    return new LiveSession(record, sessionTimes(record), clock);
  }

  get id(): number {
    return this.record.id;
  }

  get image(): string {
    return this.record.image;
  }

  get isLive(): boolean {
    return this.record.state === 'waiting' || this.record.state === 'running';
  }

  /** What admission.ts looks at. */
  admission(): AdmissionSession {
    return { ...this.times, state: this.record.state, waiting: this.record.waiting, ...(this.record.symbolSize !== undefined ? { symbolSize: this.record.symbolSize } : {}) };
  }

  /** The agent `who` (waiter key) reported `mtu`: it counts when the session's symbol size is chosen. */
  noteMtu(who: string, mtu: number): void {
    if (this.record.symbolSize === undefined) this.mtus.set(who, mtu);
  }

  /** The MTUs the symbol size is chosen by: of the agents still waiting, or noted before an auto-cast start. */
  knownMtus(): number[] {
    const waiting = this.record.waiting.filter((w) => this.mtus.has(w));
    return (waiting.length > 0 ? waiting : [...this.mtus.keys()]).map((w) => this.mtus.get(w) as number);
  }

  // ---- waiting for a scheduled start ---------------------------------------------------------

  /** The agent `waiter` asked for this waiting session: it counts toward --min-clients, its MTU toward the symbol size. */
  enrol(waiter: string, nowMs: number, mtu: number): void {
    if (!this.record.waiting.includes(waiter)) this.record.waiting.push(waiter);
    this.noteMtu(waiter, mtu);
    this.roll.seen(waiter, nowMs);
    this.dirty = true;
  }

  /** The agent's held request ended at `nowMs` while the session still waits: it is still there. */
  seen(waiter: string, nowMs: number): void {
    if (this.record.state === 'waiting') this.roll.seen(waiter, nowMs);
  }

  /** Parks an agent's request until the session starts or ends, or `ms` passed. */
  hold(ms: number): Promise<void> {
    return this.held.hold(ms);
  }

  /** Requests held now. */
  get heldRequests(): number {
    return this.held.size;
  }

  /** Takes the waiters not heard of for `ttlMs` out of `waiting`; returns them. */
  dropSilentWaiters(nowMs: number, ttlMs: number): string[] {
    const gone = this.roll.expired(this.record.waiting, nowMs, ttlMs);
    if (gone.length > 0) {
      this.record.waiting = this.record.waiting.filter((w) => !gone.includes(w));
      this.dirty = true;
    }
    return gone;
  }

  /** Why the waiting session should start now, or undefined. */
  startReason(nowMs: number): StartReason | undefined {
    return startReason({ ...this.times, waiting: this.record.waiting.length }, nowMs);
  }

  /** The session runs from `nowMs` (created running, or its scheduled start). */
  markRunning(nowMs: number): void {
    this.record.state = 'running';
    this.times = { ...this.times, startedAtMs: nowMs };
    this.record.startedAt = isoTime(nowMs);
  }

  /** After a scheduled start: data waits for the agents that waited; their held requests are answered. */
  started(): void {
    if (this.record.waiting.length > 0) this.runner?.awaitJoiners(this.record.waiting.length, HOLD_FOR_JOINERS_MS);
    this.held.releaseAll();
    this.roll.clear();
  }

  // ---- the runner ------------------------------------------------------------------------------

  /** Starts `runner` for this session (within STEP_LIMIT_MS); one that cannot start is let go. */
  async run(runner: SessionRunner): Promise<void> {
    this.runner = runner;
    try {
      await startRunner(runner, STEP_LIMIT_MS);
    } catch (err) {
      if (this.runner === runner) this.runner = undefined;
      throw err;
    }
  }

  stats(): (RunnerStats & { throughputBps: number }) | undefined {
    return this.runner ? { ...this.runner.stats(), throughputBps: this.meter.bytesPerSec } : undefined;
  }

  /** Copies the runner's counters into the record. */
  takeStats(): void {
    const st = this.runner?.stats();
    if (st) {
      this.record.bytesSent = st.bytesSent;
      this.record.packetsSent = st.packetsSent;
    }
  }

  /** Tick: the counters into the record and one throughput sample. */
  sample(nowMs: number): void {
    this.takeStats();
    this.meter.sample(this.record.bytesSent, nowMs);
    this.dirty = true;
  }

  // ---- receivers -------------------------------------------------------------------------------

  /** Registers a receiver (it leaves the waiters if it waited); the session is not finished any more. */
  addReceiver(receiverId: number, waiter: string): void {
    this.record.receivers.push(receiverId);
    this.record.waiting = this.record.waiting.filter((h) => h !== waiter);
    this.engineFinished = false;
    this.runner?.addReceiver(receiverId);
  }

  /** A resumed agent's old receiver ids, which will never send again. */
  forgetReceivers(old: readonly number[]): void {
    const before = this.record.receivers.length;
    this.record.receivers = this.record.receivers.filter((r) => !old.includes(r));
    if (this.record.receivers.length !== before) for (const r of old) this.runner?.removeReceiver(r);
  }

  /** Takes a receiver out (kicked, left, fell back); one that was not done counts as lost. False when it was not in. */
  detach(receiverId: number, wasDone: boolean): boolean {
    if (!this.record.receivers.includes(receiverId)) return false;
    if (!wasDone) this.record.lost = (this.record.lost ?? 0) + 1;
    this.record.receivers = this.record.receivers.filter((r) => r !== receiverId);
    this.runner?.removeReceiver(receiverId);
    this.dirty = true;
    return true;
  }

  engineReportedFinished(): void {
    this.engineFinished = true;
  }

  /** A running session whose receivers are all done (or the engine says so), past the joiners' grace. */
  isComplete(done: ReceiverDone, nowMs: number): boolean {
    const s = this.record;
    if (s.state !== 'running') return false;
    // A session started ahead of its agents (admin `session start`) waits for them.
    if (s.receivers.length === 0 && (s.lost ?? 0) === 0) return false;
    const open = s.receivers.filter((r) => done(r) === false);
    // The engine's word wins over our view of client states (it saw every receiver complete).
    if (open.length > 0 && !this.engineFinished) return false;
    return !(s.waiting.length > 0 && nowMs - (this.times.startedAtMs ?? 0) < JOIN_GRACE_MS);
  }

  /** Started ahead of its agents (admin `session start`) and nobody joined within UNJOINED_SESSION_MS. */
  isUnjoined(nowMs: number): boolean {
    const s = this.record;
    const started = this.times.startedAtMs;
    return s.state === 'running' && s.receivers.length === 0 && (s.lost ?? 0) === 0 && started !== undefined && nowMs - started > UNJOINED_SESSION_MS;
  }

  // ---- the end ---------------------------------------------------------------------------------

  /**
   * Ends the session: final counters, state, end time and reason in the record; held requests
   * answered, waiters forgotten. Returns the runner, for the caller to close (with `kick` or not).
   */
  end(state: EndState, why: string, nowMs: number): SessionRunner | undefined {
    this.takeStats();
    this.record.state = state;
    this.record.endedAt = isoTime(nowMs);
    this.record.endReason = why;
    this.held.releaseAll();
    this.roll.clear();
    this.engineFinished = false;
    return this.detachRunner();
  }

  /** DP shutdown: held requests answered and counters taken, the session stays live for the next start. */
  suspend(): void {
    this.held.releaseAll();
    this.takeStats();
  }

  /** Lets go of the runner (to close it) without ending the session. */
  detachRunner(): SessionRunner | undefined {
    const r = this.runner;
    this.runner = undefined;
    return r;
  }
}
