// The registry of live sessions, their persistence in the StateStore, and the wiring between
// agents' requests, runners' reports and client records. What happens to one request is decided by
// admission.ts (pure); everything about one live session is its LiveSession (live-session.ts);
// packets are the runner's business (runner.ts): this class carries decisions out and reacts to
// what runners report. docs/architecture.md, "How a request becomes a session", walks through it.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { realClock, type Clock } from '@castpoint/transport';
import { DEFAULT_MTU, publicKeyToBase64, type AgentProgress, type AgentRequest, type AgentRequestReply, type DpSigningKey, type KickReason, type LeaveReason } from '@castpoint/wire';
import { DpError } from '../errors';
import type { ClientRecord, ImageRecord, SessionRecord } from '../state/types';
import { brokenBy, brokenMessage, markBroken } from '../security/image-integrity';
import { AgentRequests, type RequestDesk } from './agent-requests';
import { allocateGroupPort } from './allocator';
import { CancelNotices } from './cancel-notices';
import { ClientBook, isTerminal } from './clients';
import { STEP_LIMIT_MS, withDeadline } from './deadline';
import { LiveSession, UNJOINED_SESSION_MS, type EndState } from './live-session';
import { pruneEnded } from './pruning';
import { doneReason, joinReply, runnerSpec } from './replies';
import type { ReceiverReport, RunnerStats } from './runner';
import { scheduleFor, type StartReason } from './schedule';
import { newSessionRecord } from './session-record';
import { LEGACY_SYMBOL_SIZE, sessionSymbolSize } from './symbol-size';
import type { SessionManagerOptions } from './manager-options';
import { WAITER_TTL_MS } from './waiter-roll';

export type { SessionManagerOptions } from './manager-options';

export class SessionManager extends EventEmitter {
  readonly clients: ClientBook;
  /** The live (waiting or running) sessions by id, in the order they were created. */
  private readonly sessions = new Map<number, LiveSession>();
  /** Sessions being created, by image/tier: requests meanwhile wait for the same one. */
  private readonly creating = new Map<string, Promise<LiveSession>>();
  private readonly notices = new CancelNotices();
  private readonly requests: AgentRequests;
  /** Client records changed since the last save (each live session keeps its own flag). */
  private clientsDirty = false;
  private readonly clock: Pick<Clock, 'schedule'>;
  private readonly signingKey: DpSigningKey;
  private readonly signingKeyBase64: string;

  constructor(private readonly o: SessionManagerOptions) {
    super();
    // One 'change' listener per open dashboard event stream: a dozen dashboards is no leak.
    this.setMaxListeners(0);
    this.clients = new ClientBook(o.store.state.clients);
    this.clock = o.clock ?? realClock();
    this.signingKey = o.signingKey ?? generateKeyPairSync('ed25519');
    this.signingKeyBase64 = publicKeyToBase64(this.signingKey.publicKey);
    this.requests = new AgentRequests(o, this.clients, this.notices, this.desk(), this.signingKey.privateKey);
    for (const r of o.store.state.sessions) if (r.state === 'waiting' || r.state === 'running') this.sessions.set(r.id, LiveSession.loaded(r, this.clock));
  }

  /** A session's bytes per data packet: chosen when it started running (records from before the choice: 1400). */
  symbolSizeOf(s: SessionRecord): number {
    return s.symbolSize ?? LEGACY_SYMBOL_SIZE;
  }

  get blockSymbols(): number {
    return this.o.blockSymbols ?? 64;
  }

  get senderId(): number {
    return (0x80000000 | this.o.store.state.epoch) >>> 0;
  }

  list(): SessionRecord[] {
    return this.o.store.state.sessions;
  }

  live(): SessionRecord[] {
    return [...this.sessions.values()].map((s) => s.record);
  }

  get(id: number): SessionRecord {
    const s = this.o.store.state.sessions.find((x) => x.id === id);
    if (!s) throw new DpError('DP_SESSION_NOT_FOUND', `no session ${id}`, { id });
    return s;
  }

  stats(id: number): (RunnerStats & { throughputBps: number }) | undefined {
    return this.sessions.get(id)?.stats();
  }

  hasLiveSession(image: string): boolean {
    return [...this.sessions.values()].some((s) => s.image === image);
  }

  /** After a restart: carries on with the sessions that were running (same id, key, group, port). */
  async resume(): Promise<void> {
    for (const s of [...this.sessions.values()]) {
      if (s.record.state !== 'running') continue;
      const img = this.o.catalog.get(s.image);
      if (img.broken) {
        await this.end(s, 'failed', brokenMessage(img));
        continue;
      }
      try {
        await this.launch(s);
        this.history(s, 'session-resumed', `epoch ${this.o.store.state.epoch}, ${s.record.receivers.length} receivers`);
      } catch (err) {
        await this.end(s, 'failed', `cannot resume: ${(err as Error).message}`);
      }
    }
    this.o.store.save();
  }

  // ---- agents ------------------------------------------------------------------------------

  /**
   * Answers an agent's request for an image (agent-requests.ts). `source` is the agent's address;
   * `machine` the SQL store's name for its MACs, when it has one.
   */
  request(req: AgentRequest, source = '', machine?: string): Promise<AgentRequestReply> {
    return this.requests.answer(req, source, machine);
  }

  progress(p: AgentProgress): ClientRecord {
    const c = this.clients.byReceiverId(p.receiverId);
    if (!c) throw new DpError('DP_UNKNOWN_RECEIVER', `receiver ${p.receiverId} is not registered here`, { receiverId: p.receiverId });
    this.clients.applyProgress(c, p, this.o.now());
    if (p.state === 'fallback') c.fallback = true;
    if (c.sessionId !== undefined && isTerminal(c.state)) this.receiverFinished(c);
    this.clientsDirty = true;
    this.emit('change');
    return c;
  }

  // ---- sessions ----------------------------------------------------------------------------

  /** The manager as a request sees it (agent-requests.ts). */
  private desk(): RequestDesk {
    return {
      sessionFor: (img, tier, asker) => this.sessionFor(img, tier, asker),
      startWaiting: (s, why) => this.startWaiting(s, why),
      liveSessions: () => this.sessions.values(),
      joinReply: (s, img, receiverId) => joinReply(s.record, img, this.o.catalog.manifest(img), receiverId, this.symbolSizeOf(s.record), this.blockSymbols, this.signingKeyBase64),
      changed: () => this.emit('change'),
    };
  }

  /** Admin "session start IMAGE": starts the waiting session now, or a new one. */
  async startNow(image: string): Promise<SessionRecord> {
    const img = this.o.catalog.get(image);
    const s = await this.sessionFor(img, 0, undefined);
    if (s.record.state === 'waiting') await this.startWaiting(s, 'admin');
    return s.record;
  }

  async cancel(id: number): Promise<SessionRecord> {
    const record = this.get(id);
    const s = this.sessions.get(id);
    if (!s) throw new DpError('DP_SESSION_ENDED', `session ${id} has already ended (${record.state})`, { id, state: record.state });
    if (record.state === 'waiting') this.notices.cancelled(record.image, record.waiting, this.o.now());
    await this.end(s, 'cancelled', 'cancelled by the administrator', { reason: 'fail', detail: 'session cancelled by the administrator' });
    return record;
  }

  /** `asker`: the agent whose request this is, and its MTU (an auto-cast session starts at once, sized for it). */
  private sessionFor(img: ImageRecord, tier: number, asker: { who: string; mtu: number } | undefined): Promise<LiveSession> {
    const key = `${img.name}/${tier}`;
    // A session being created is already in the state (so it owns its group:port) but its runner
    // is still starting: wait for it rather than register receivers with a half-started runner.
    const pending = this.creating.get(key);
    if (pending) return pending;
    const live = [...this.sessions.values()].find((s) => s.image === img.name && s.record.tier === tier && s.record.manifestHash === img.manifestHash);
    if (live) return Promise.resolve(live);
    const p = this.create(img, tier, asker).finally(() => this.creating.delete(key));
    this.creating.set(key, p);
    return p;
  }

  private async create(img: ImageRecord, tier: number, asker: { who: string; mtu: number } | undefined): Promise<LiveSession> {
    this.o.store.assertWritable('a new session');
    await withDeadline(this.o.catalog.assertUnchanged(img), STEP_LIMIT_MS, `checking the file of image ${img.name}`);
    const nowMs = this.o.now();
    const group = allocateGroupPort(this.o.groupRange, this.o.portRange, this.live());
    const key = Buffer.from(this.o.createKey?.() ?? randomBytes(32)).toString('base64');
    const schedule = img.settings.mode === 'scheduled' ? scheduleFor(img.settings, nowMs) : {};
    const senderAddress = this.o.mcastInterface;
    const record = newSessionRecord({ id: this.o.store.allocateSessionId(), img, group, senderAddress, key, tier, maxRateBps: this.o.maxRateBps, nowMs, schedule });
    const s = new LiveSession(record, schedule, this.clock);
    if (asker) s.noteMtu(asker.who, asker.mtu);
    this.o.store.state.sessions.push(record);
    this.sessions.set(s.id, s);
    this.history(s, 'session-created', `${record.group}:${record.port}, ${record.mode}${tier > 0 ? `, tier ${tier}` : ''}`);
    if (record.state === 'running') {
      s.markRunning(nowMs);
      this.chooseSymbolSize(s);
      await this.launchOrFail(s);
    }
    this.o.store.save();
    this.emit('change');
    return s;
  }

  private async startWaiting(s: LiveSession, why: StartReason): Promise<void> {
    if (s.record.state !== 'waiting') return;
    s.markRunning(this.o.now());
    this.chooseSymbolSize(s);
    this.history(s, 'session-started', `${why}, ${s.record.waiting.length} waiting, ${s.record.symbolSize ?? LEGACY_SYMBOL_SIZE}-byte symbols`);
    await this.launchOrFail(s);
    s.started();
    this.o.store.save();
    this.emit('change');
  }

  /**
   * Fixes the session's symbol size as it starts running: from serve --symbol-size and the MTUs of
   * the DP's interface and of the agents known now. Agents that come later must fit it (admission.ts).
   */
  private chooseSymbolSize(s: LiveSession): void {
    s.record.symbolSize ??= sessionSymbolSize(this.o.symbolSize ?? 'auto', this.o.linkMtu ?? DEFAULT_MTU, s.knownMtus());
  }

  /** Starts the session's runner; a runner that cannot start ends the session as failed. */
  private async launchOrFail(s: LiveSession): Promise<void> {
    try {
      await this.launch(s);
    } catch (err) {
      await this.end(s, 'failed', `cannot start: ${(err as Error).message}`);
      throw err;
    }
  }

  private async launch(s: LiveSession): Promise<void> {
    const img = this.o.catalog.get(s.image);
    const manifest = this.o.catalog.manifest(img);
    const runner = this.o.runnerFactory(
      runnerSpec(s.record, img, manifest, {
        packFile: this.o.catalog.packPath(img.manifestHash, manifest),
        // After a restart, receivers that already finished are not waited for again.
        receivers: s.record.receivers.filter((r) => this.clients.byReceiverId(r)?.state !== 'done'),
        senderId: this.senderId,
        ttl: this.o.ttl,
        symbolSize: this.symbolSizeOf(s.record),
        blockSymbols: this.blockSymbols,
        signer: this.signingKey.privateKey,
        // A slower tier's cap is a fraction of the admin's: nothing says its receivers' path carries it.
        startAtCap: this.o.startRate === 'cap' && s.record.tier === 0,
      }),
      {
        status: (id, r) => this.onStatus(id, r),
        kicked: (id, reason, detail) => this.onKicked(s, id, reason, detail),
        left: (id, reason) => this.onLeft(s, id, reason),
        finished: () => {
          s.engineReportedFinished();
          this.endIfComplete(s);
        },
        failed: (err) => void this.onRunnerFailed(s, err),
      },
    );
    await s.run(runner);
  }

  private onStatus(receiverId: number, r: ReceiverReport): void {
    const c = this.clients.byReceiverId(receiverId);
    if (!c || c.receiverId !== receiverId) return;
    this.clients.applyStatus(c, r, this.o.now());
    if (isTerminal(c.state)) this.receiverFinished(c);
    this.clientsDirty = true;
    this.emit('change');
  }

  private onKicked(s: LiveSession, receiverId: number, reason: KickReason, detail: string): void {
    const c = this.clients.byReceiverId(receiverId);
    this.o.store.record({ event: 'client-kicked', sessionId: s.id, image: s.image, ...(c ? { clientId: c.id } : {}), detail: `${reason}: ${detail}` }, new Date(this.o.now()));
    if (c && c.receiverId === receiverId) this.clients.applyKick(c, reason, detail, this.o.catalog.get(s.image).settings.multicastOnly, this.o.now());
    this.detach(s, receiverId);
  }

  private onLeft(s: LiveSession, receiverId: number, reason: LeaveReason): void {
    const c = this.clients.byReceiverId(receiverId);
    if (c && c.receiverId === receiverId) this.clients.applyLeave(c, reason, this.o.now());
    this.detach(s, receiverId);
  }

  private receiverFinished(c: ClientRecord): void {
    const s = c.sessionId !== undefined ? this.sessions.get(c.sessionId) : undefined;
    if (!s) return;
    if (c.state === 'fallback' || c.state === 'failed') this.detach(s, c.receiverId);
    else this.endIfComplete(s);
  }

  /** Takes a receiver out of a session (kicked, left, fell back) and ends the session if that was the last. */
  private detach(s: LiveSession, receiverId: number): void {
    if (!s.detach(receiverId, this.clients.byReceiverId(receiverId)?.state === 'done')) return;
    this.emit('change');
    this.endIfComplete(s);
  }

  private endIfComplete(s: LiveSession): void {
    const done = (r: number): boolean | undefined => {
      const c = this.clients.byReceiverId(r);
      return c === undefined ? undefined : c.state === 'done';
    };
    if (s.isComplete(done, this.o.now())) void this.end(s, 'done', doneReason(s.record));
  }

  private async end(s: LiveSession, state: EndState, why: string, kick?: { reason: KickReason; detail: string }): Promise<void> {
    if (!s.isLive) return;
    const runner = s.end(state, why, this.o.now());
    this.sessions.delete(s.id);
    for (const r of s.record.receivers) {
      const c = this.clients.byReceiverId(r);
      if (c && !isTerminal(c.state) && state !== 'done') {
        c.state = 'failed';
        c.message = why;
      }
    }
    this.history(s, `session-${state}`, why);
    this.o.store.save();
    this.emit('change');
    // How its data left (segmented through the add-on, or why not): what to check first when a
    // DP spends more CPU per GiB than it should.
    const sent = runner?.stats();
    this.o.log?.info({ sessionId: s.id, state, why, packetsSent: sent?.packetsSent, sendPath: sent?.sendPath, sendFallback: sent?.sendFallback, sendRetries: sent?.sendRetries }, 'session ended');
    await runner?.close(kick).catch((err: unknown) => this.o.log?.warn({ sessionId: s.id, err }, 'closing the session runner failed'));
  }

  /**
   * A runner failed. When its image file proved broken (a chunk read for sending failed its
   * hash), the image is marked so, persisted, and every live session of it ends with a kick
   * (reason fail) saying so: agents stop with that message instead of asking again for ever.
   */
  private async onRunnerFailed(s: LiveSession, err: Error): Promise<void> {
    const reason = brokenBy(err);
    const img = reason === undefined ? undefined : this.o.catalog.list().find((i) => i.name === s.image);
    if (reason === undefined || !img) return this.end(s, 'failed', err.message);
    markBroken(img, reason, this.o.now());
    const why = brokenMessage(img);
    this.history(s, 'image-broken', why);
    this.o.log?.warn({ image: img.name, reason }, 'image marked broken');
    for (const live of [...this.sessions.values()].filter((x) => x.image === img.name)) await this.end(live, 'failed', why, { reason: 'fail', detail: why });
  }

  private history(s: LiveSession, event: string, detail: string): void {
    this.o.store.record({ event, sessionId: s.id, image: s.image, detail }, new Date(this.o.now()));
  }

  /** Periodic work (the app calls it about once a second): scheduled starts, throughput, saving. */
  async tick(): Promise<void> {
    const nowMs = this.o.now();
    for (const s of [...this.sessions.values()]) {
      if (s.record.state === 'waiting') {
        const gone = s.dropSilentWaiters(nowMs, (this.o.longPollMs ?? 0) + WAITER_TTL_MS);
        if (gone.length > 0) this.history(s, 'waiters-gone', `${gone.join(', ')} stopped asking; ${s.record.waiting.length} waiting`);
        const why = s.startReason(nowMs);
        if (why !== undefined) await this.startWaiting(s, why).catch((err: unknown) => this.o.log?.warn({ sessionId: s.id, err }, 'scheduled start failed'));
        continue;
      }
      this.endIfComplete(s);
      if (s.record.state !== 'running') continue;
      // Started ahead of its agents (admin `session start`) and never joined: its group:port and
      // its announces every 10 ms are not kept forever.
      if (s.isUnjoined(nowMs)) {
        await this.end(s, 'cancelled', `no agent joined within ${UNJOINED_SESSION_MS / 60_000} min of the start`);
        continue;
      }
      s.sample(nowMs);
    }
    if (pruneEnded(this.o.store, this.clients, new Date(nowMs))) this.clientsDirty = true;
    if (this.takeDirty()) {
      this.o.store.save();
      this.emit('change');
    }
  }

  /** True when any client or live session changed since the last call. */
  private takeDirty(): boolean {
    let dirty = this.clientsDirty;
    this.clientsDirty = false;
    for (const s of this.sessions.values()) {
      dirty ||= s.dirty;
      s.dirty = false;
    }
    return dirty;
  }

  /** DP shutdown: stops every runner without kicking anyone (they resume after restart) and saves; true when saved. */
  async shutdown(): Promise<boolean> {
    for (const s of this.sessions.values()) s.suspend();
    this.o.store.save();
    await this.o.store.flush();
    const runners = [...this.sessions.values()].flatMap((s) => s.detachRunner() ?? []);
    await Promise.all(runners.map((r) => r.close().catch(() => undefined)));
    return this.o.store.flush();
  }
}
