// Sessions and the clients in them: creates sessions by each image's policy, answers agents
// (join / wait / fallback), enforces the client limit, follows every receiver's state, ends a
// session when its receivers are done, and keeps it all in the StateStore. Packets are the
// runner's business; this class only reacts to what runners report.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { generateKeyPairSync } from 'node:crypto';
import { publicKeyToBase64, type AgentProgress, type AgentRequest, type AgentRequestReply, type DpSigningKey, type KickReason, type LeaveReason } from '@castpoint/wire';
import type { Cidr, PortRange } from '../config/parse';
import { DpError } from '../errors';
import type { ImageCatalog } from '../images/catalog';
import type { StateStore } from '../state/store';
import type { ClientRecord, ImageRecord, SessionRecord } from '../state/types';
import { assertNotBroken, brokenBy, brokenMessage, markBroken } from '../security/image-integrity';
import { ReceiverIdCipher } from '../security/receiver-ids';
import { allocateGroupPort } from './allocator';
import { ClientBook, isTerminal } from './clients';
import type { ReceiverReport, RunnerStats, SessionRunner, SessionRunnerFactory } from './runner';
import { contentPath, doneReason, joinReply, runnerSpec, scheduledWaitReply } from './replies';
import { newSessionRecord } from './session-record';
import { scheduleFor, startReason, type StartReason } from './schedule';
import { StartWaiters } from './start-waiters';
import { WAITER_TTL_MS, WaiterRoll, cancelNotice } from './waiter-roll';

export interface SessionManagerOptions {
  readonly store: StateStore;
  readonly catalog: ImageCatalog;
  readonly runnerFactory: SessionRunnerFactory;
  readonly now: () => number;
  readonly groupRange: Cidr;
  readonly portRange: PortRange;
  readonly mcastInterface: string;
  readonly maxRateBps: number;
  readonly maxClients: number;
  readonly ttl: number;
  /** Bytes of image data per packet. @default 1400 */
  readonly symbolSize?: number;
  /** Source symbols per block. @default 64 */
  readonly blockSymbols?: number;
  /** 32-byte session keys. @default crypto.randomBytes(32) */
  readonly createKey?: () => Uint8Array;
  /**
   * The DP's Ed25519 key: runners sign announces and kicks with it, join replies carry its public
   * half. @default a new key pair (tests; the app loads the data dir's, which survives restarts)
   */
  readonly signingKey?: DpSigningKey;
  readonly log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /**
   * An agent asking for a scheduled session that still waits gets its answer when the session
   * starts (then `join`), or after this long (then `wait`, and it asks again 250 ms later): every
   * waiting agent joins at the start instead of on its next poll. 0 answers at once. @default 0
   */
  readonly longPollMs?: number;
}

const LIVE = new Set(['waiting', 'running']);

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

/** After a held request ran out (longPollMs), the agent asks again this soon. */
export const HELD_RETRY_MS = 250;

export class SessionManager extends EventEmitter {
  readonly clients: ClientBook;
  /** Agents' requests held until their waiting session starts (longPollMs). */
  private readonly held = new StartWaiters();
  private readonly runners = new Map<number, SessionRunner>();
  private readonly rates = new Map<number, { bytes: number; atMs: number; bps: number }>();
  private readonly creating = new Map<string, Promise<SessionRecord>>();
  /** Sessions whose engine reported every receiver complete (ending may wait for JOIN_GRACE_MS). */
  private readonly engineFinished = new Set<number>();
  private readonly waiters = new WaiterRoll();
  private dirty = false;
  private readonly signingKey: DpSigningKey;
  private readonly signingKeyBase64: string;
  private readonly receiverIds: ReceiverIdCipher;

  constructor(private readonly o: SessionManagerOptions) {
    super();
    // One 'change' listener per open dashboard event stream: a dozen dashboards is no leak.
    this.setMaxListeners(0);
    this.clients = new ClientBook(o.store.state.clients);
    this.signingKey = o.signingKey ?? generateKeyPairSync('ed25519');
    this.signingKeyBase64 = publicKeyToBase64(this.signingKey.publicKey);
    this.receiverIds = ReceiverIdCipher.fromSigningKey(this.signingKey.privateKey);
  }

  get symbolSize(): number {
    return this.o.symbolSize ?? 1400;
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
    return this.o.store.state.sessions.filter((s) => LIVE.has(s.state));
  }

  get(id: number): SessionRecord {
    const s = this.o.store.state.sessions.find((x) => x.id === id);
    if (!s) throw new DpError('DP_SESSION_NOT_FOUND', `no session ${id}`, { id });
    return s;
  }

  stats(id: number): (RunnerStats & { throughputBps: number }) | undefined {
    const r = this.runners.get(id);
    return r ? { ...r.stats(), throughputBps: this.rates.get(id)?.bps ?? 0 } : undefined;
  }

  /** After a restart: carries on with the sessions that were running (same id, key, group, port). */
  async resume(): Promise<void> {
    for (const s of this.live()) {
      if (s.state !== 'running') continue;
      const img = this.o.catalog.get(s.image);
      if (img.broken) {
        await this.end(s, 'failed', brokenMessage(img));
        continue;
      }
      try {
        await this.launch(s);
        this.record(s, 'session-resumed', `epoch ${this.o.store.state.epoch}, ${s.receivers.length} receivers`);
      } catch (err) {
        this.end(s, 'failed', `cannot resume: ${(err as Error).message}`);
      }
    }
    this.o.store.save();
  }

  // ---- agents ------------------------------------------------------------------------------

  /**
   * `source` is the agent's address: with the host name it tells apart machines waiting for a
   * scheduled start, since identical preinstall images often share one host name.
   */
  async request(req: AgentRequest, source = ''): Promise<AgentRequestReply> {
    const img = this.o.catalog.get(req.image);
    assertNotBroken(img);
    const waiter = source ? `${req.hostname}@${source}` : req.hostname;
    const nowMs = this.o.now();
    const prev = req.previousReceiverId !== undefined ? this.clients.byReceiverId(req.previousReceiverId) : undefined;
    const client = prev && prev.image === img.name ? prev : undefined;
    if (this.waiters.takeCancelNotice(img.name, waiter, nowMs)) {
      throw cancelNotice(img.name);
    }
    if (client?.fallback && !img.settings.multicastOnly) return this.fallback(img, req, client, 'kicked to unicast earlier');
    // An image of zeros only has nothing to send (zero chunks never travel): no session, which
    // could not even be built (no blocks), and no download either, multicast-only or not. The
    // agent finds every chunk done and writes the zeros itself.
    const manifest = this.o.catalog.manifest(img);
    if (manifest.zeroChunks.length >= manifest.chunks.length) return this.fallback(img, req, client, 'the image is all zeros: nothing to send');
    const session = await this.sessionFor(img, client?.tier ?? 0);
    if (session.state === 'waiting') {
      if (!session.waiting.includes(waiter)) session.waiting.push(waiter);
      this.waiters.seen(session.id, waiter, nowMs);
      this.dirty = true;
      const why = startReason(session, nowMs);
      if (why === undefined) {
        this.emit('change');
        const holdMs = this.o.longPollMs ?? 0;
        if (holdMs <= 0) return scheduledWaitReply(session, nowMs);
        await this.held.wait(session.id, holdMs);
        this.waiters.seen(session.id, waiter, this.o.now());
        // Started meanwhile: join now (below). Still waiting, or ended: the agent asks again soon,
        // so that it is held again when the start comes.
        const state: string = session.state; // changed by startWaiting or end while we were held
        if (state === 'cancelled' && this.waiters.takeCancelNotice(img.name, waiter, this.o.now())) {
          throw cancelNotice(img.name);
        }
        if (state !== 'running') {
          const w = scheduledWaitReply(session, this.o.now());
          return w.status === 'wait' ? { ...w, retryAfterMs: HELD_RETRY_MS } : w;
        }
      } else await this.startWaiting(session, why);
    }
    const active = this.clients.activeCount(client?.id);
    if (active >= this.o.maxClients) {
      if (img.settings.multicastOnly) {
        return { status: 'wait', retryAfterMs: 5000, reason: `client limit reached (${active} of ${this.o.maxClients} receiving); image is multicast-only` };
      }
      return this.fallback(img, req, client, `client limit reached (${active} of ${this.o.maxClients} receiving)`);
    }
    const receiverId = this.allocateReceiverId();
    const c = this.clients.register(client, { receiverId, hostname: req.hostname, image: img.name, nowMs, chunksDone: req.chunksDone, totalChunks: img.chunks });
    c.sessionId = session.id;
    c.state = 'waiting';
    session.receivers.push(receiverId);
    session.waiting = session.waiting.filter((h) => h !== waiter);
    this.engineFinished.delete(session.id);
    this.runners.get(session.id)?.addReceiver(receiverId);
    // A resumed agent replaces its old registration: the old id will never send again. Removed
    // only after the new one is in, so that the engine never sees its last receiver leave (it
    // would call the session finished under the agent that is rejoining it).
    const old = client?.receiverIds.slice(0, -1) ?? [];
    for (const s of this.live()) {
      const before = s.receivers.length;
      s.receivers = s.receivers.filter((r) => !old.includes(r));
      if (s.receivers.length !== before) for (const r of old) this.runners.get(s.id)?.removeReceiver(r);
    }
    this.o.store.record({ event: 'client-joined', sessionId: session.id, image: img.name, clientId: c.id, detail: `${req.hostname} as receiver ${receiverId}` }, new Date(nowMs));
    this.o.store.save();
    this.emit('change');
    return joinReply(session, img, this.o.catalog.manifest(img), receiverId, this.symbolSize, this.blockSymbols, this.signingKeyBase64);
  }

  /**
   * The next receiver id: the store's counter (never handed out twice) through a keyed permutation
   * (security/receiver-ids.ts), so ids cannot be guessed. An id some client already had (ids from
   * before this scheme, or of another signing key) is skipped.
   */
  private allocateReceiverId(): number {
    for (;;) {
      const id = this.receiverIds.idFor(this.o.store.allocateReceiverId());
      if (!this.clients.byReceiverId(id)) return id;
    }
  }

  private fallback(img: ImageRecord, req: AgentRequest, client: ClientRecord | undefined, reason: string): AgentRequestReply {
    const nowMs = this.o.now();
    const receiverId = this.allocateReceiverId();
    const c = this.clients.register(client, { receiverId, hostname: req.hostname, image: img.name, nowMs, chunksDone: req.chunksDone, totalChunks: img.chunks });
    c.state = 'fallback';
    c.fallback = true;
    delete c.sessionId;
    c.message = reason;
    this.o.store.record({ event: 'client-fallback', image: img.name, clientId: c.id, detail: reason }, new Date(nowMs));
    this.o.store.save();
    this.emit('change');
    return { status: 'fallback', receiverId, reason, manifest: this.o.catalog.manifest(img), contentPath: contentPath(img.name) };
  }

  progress(p: AgentProgress): ClientRecord {
    const c = this.clients.byReceiverId(p.receiverId);
    if (!c) throw new DpError('DP_UNKNOWN_RECEIVER', `receiver ${p.receiverId} is not registered here`, { receiverId: p.receiverId });
    this.clients.applyProgress(c, p, this.o.now());
    if (p.state === 'fallback') c.fallback = true;
    if (c.sessionId !== undefined && isTerminal(c.state)) this.receiverFinished(c);
    this.dirty = true;
    this.emit('change');
    return c;
  }

  // ---- sessions ----------------------------------------------------------------------------

  /** Admin "session start IMAGE": starts the waiting session now, or a new one. */
  async startNow(image: string): Promise<SessionRecord> {
    const img = this.o.catalog.get(image);
    const s = await this.sessionFor(img, 0);
    if (s.state === 'waiting') await this.startWaiting(s, 'admin');
    return s;
  }

  async cancel(id: number): Promise<SessionRecord> {
    const s = this.get(id);
    if (!LIVE.has(s.state)) throw new DpError('DP_SESSION_ENDED', `session ${id} has already ended (${s.state})`, { id, state: s.state });
    if (s.state === 'waiting') this.waiters.cancelledFor(s.image, s.waiting, this.o.now());
    await this.end(s, 'cancelled', 'cancelled by the administrator', { reason: 'fail', detail: 'session cancelled by the administrator' });
    return s;
  }

  hasLiveSession(image: string): boolean {
    return this.live().some((s) => s.image === image);
  }

  private sessionFor(img: ImageRecord, tier: number): Promise<SessionRecord> {
    const key = `${img.name}/${tier}`;
    // A session being created is already in the state (so it owns its group:port) but its runner
    // is still starting: wait for it rather than register receivers with a half-started runner.
    const pending = this.creating.get(key);
    if (pending) return pending;
    const live = this.live().find((s) => s.image === img.name && s.tier === tier && s.manifestHash === img.manifestHash);
    if (live) return Promise.resolve(live);
    const p = this.create(img, tier).finally(() => this.creating.delete(key));
    this.creating.set(key, p);
    return p;
  }

  private async create(img: ImageRecord, tier: number): Promise<SessionRecord> {
    await this.o.catalog.assertUnchanged(img);
    const nowMs = this.o.now();
    const gp = allocateGroupPort(this.o.groupRange, this.o.portRange, this.live());
    const key = Buffer.from(this.o.createKey?.() ?? randomBytes(32)).toString('base64');
    const s = newSessionRecord({
      id: this.o.store.allocateSessionId(),
      img,
      group: gp,
      senderAddress: this.o.mcastInterface,
      key,
      tier,
      maxRateBps: this.o.maxRateBps,
      nowMs,
      schedule: img.settings.mode === 'scheduled' ? scheduleFor(img.settings, nowMs) : {},
    });
    this.o.store.state.sessions.push(s);
    this.record(s, 'session-created', `${s.group}:${s.port}, ${s.mode}${tier > 0 ? `, tier ${tier}` : ''}`);
    if (s.state === 'running') {
      s.startedAt = s.createdAt;
      await this.launchOrFail(s);
    }
    this.o.store.save();
    this.emit('change');
    return s;
  }

  private async startWaiting(s: SessionRecord, why: StartReason): Promise<void> {
    if (s.state !== 'waiting') return;
    s.state = 'running';
    s.startedAt = new Date(this.o.now()).toISOString();
    this.record(s, 'session-started', `${why}, ${s.waiting.length} waiting`);
    await this.launchOrFail(s);
    if (s.waiting.length > 0) this.runners.get(s.id)?.awaitJoiners(s.waiting.length, HOLD_FOR_JOINERS_MS);
    this.held.release(s.id);
    this.waiters.forget(s.id);
    this.o.store.save();
    this.emit('change');
  }

  /** Starts the session's runner; a runner that cannot start ends the session as failed. */
  private async launchOrFail(s: SessionRecord): Promise<void> {
    try {
      await this.launch(s);
    } catch (err) {
      await this.end(s, 'failed', `cannot start: ${(err as Error).message}`);
      throw err;
    }
  }

  private async launch(s: SessionRecord): Promise<void> {
    const img = this.o.catalog.get(s.image);
    const runner = this.o.runnerFactory(
      runnerSpec(s, img, this.o.catalog.manifest(img), {
        // After a restart, receivers that already finished are not waited for again.
        receivers: s.receivers.filter((r) => this.clients.byReceiverId(r)?.state !== 'done'),
        senderId: this.senderId,
        ttl: this.o.ttl,
        symbolSize: this.symbolSize,
        blockSymbols: this.blockSymbols,
        signer: this.signingKey.privateKey,
      }),
      {
        status: (id, r) => this.onStatus(id, r),
        kicked: (id, reason, detail) => this.onKicked(s, id, reason, detail),
        left: (id, reason) => this.onLeft(s, id, reason),
        finished: () => {
          this.engineFinished.add(s.id);
          this.checkDone(s);
        },
        failed: (err) => void this.onRunnerFailed(s, err),
      },
    );
    this.runners.set(s.id, runner);
    try {
      await runner.start();
    } catch (err) {
      this.runners.delete(s.id);
      await runner.close().catch(() => undefined);
      throw err;
    }
  }

  private onStatus(receiverId: number, r: ReceiverReport): void {
    const c = this.clients.byReceiverId(receiverId);
    if (!c || c.receiverId !== receiverId) return;
    this.clients.applyStatus(c, r, this.o.now());
    if (isTerminal(c.state)) this.receiverFinished(c);
    this.dirty = true;
    this.emit('change');
  }

  private onKicked(s: SessionRecord, receiverId: number, reason: KickReason, detail: string): void {
    const c = this.clients.byReceiverId(receiverId);
    this.o.store.record({ event: 'client-kicked', sessionId: s.id, image: s.image, ...(c ? { clientId: c.id } : {}), detail: `${reason}: ${detail}` }, new Date(this.o.now()));
    if (c && c.receiverId === receiverId) this.clients.applyKick(c, reason, detail, this.o.catalog.get(s.image).settings.multicastOnly);
    this.detach(s, receiverId);
  }

  private onLeft(s: SessionRecord, receiverId: number, reason: LeaveReason): void {
    const c = this.clients.byReceiverId(receiverId);
    if (c && c.receiverId === receiverId) this.clients.applyLeave(c, reason);
    this.detach(s, receiverId);
  }

  private receiverFinished(c: ClientRecord): void {
    const s = c.sessionId !== undefined ? this.live().find((x) => x.id === c.sessionId) : undefined;
    if (!s) return;
    if (c.state === 'fallback' || c.state === 'failed') this.detach(s, c.receiverId);
    else this.checkDone(s);
  }

  /** Takes a receiver out of a session (kicked, left, fell back) and ends the session if that was the last. */
  private detach(s: SessionRecord, receiverId: number): void {
    if (!s.receivers.includes(receiverId)) return;
    if (this.clients.byReceiverId(receiverId)?.state !== 'done') s.lost = (s.lost ?? 0) + 1;
    s.receivers = s.receivers.filter((r) => r !== receiverId);
    this.runners.get(s.id)?.removeReceiver(receiverId);
    this.dirty = true;
    this.emit('change');
    this.checkDone(s);
  }

  private checkDone(s: SessionRecord): void {
    if (s.state !== 'running') return;
    // A session started ahead of its agents (admin `session start`) waits for them.
    if (s.receivers.length === 0 && (s.lost ?? 0) === 0) return;
    const open = s.receivers.filter((r) => {
      const c = this.clients.byReceiverId(r);
      return c !== undefined && c.state !== 'done';
    });
    // The engine's word wins over our view of client states (it saw every receiver complete).
    if (open.length > 0 && !this.engineFinished.has(s.id)) return;
    const startedMs = s.startedAt !== undefined ? Date.parse(s.startedAt) : 0;
    if (s.waiting.length > 0 && this.o.now() - startedMs < JOIN_GRACE_MS) return;
    void this.end(s, 'done', doneReason(s));
  }

  private async end(s: SessionRecord, state: 'done' | 'cancelled' | 'failed', why: string, kick?: { reason: KickReason; detail: string }): Promise<void> {
    if (!LIVE.has(s.state)) return;
    const runner = this.runners.get(s.id);
    this.takeStats(s);
    s.state = state;
    s.endedAt = new Date(this.o.now()).toISOString();
    s.endReason = why;
    this.held.release(s.id);
    this.waiters.forget(s.id);
    this.runners.delete(s.id);
    this.rates.delete(s.id);
    this.engineFinished.delete(s.id);
    for (const r of s.receivers) {
      const c = this.clients.byReceiverId(r);
      if (c && !isTerminal(c.state) && state !== 'done') {
        c.state = 'failed';
        c.message = why;
      }
    }
    this.record(s, `session-${state}`, why);
    this.o.store.save();
    this.emit('change');
    this.o.log?.info({ sessionId: s.id, state, why }, 'session ended');
    await runner?.close(kick).catch((err: unknown) => this.o.log?.warn({ sessionId: s.id, err }, 'closing the session runner failed'));
  }

  /**
   * A runner failed. When its image file proved broken (a chunk read for sending failed its
   * hash), the image is marked so, persisted, and every live session of it ends with a kick
   * (reason fail) saying so: agents stop with that message instead of asking again for ever.
   */
  private async onRunnerFailed(s: SessionRecord, err: Error): Promise<void> {
    const reason = brokenBy(err);
    const img = reason === undefined ? undefined : this.o.catalog.list().find((i) => i.name === s.image);
    if (reason === undefined || !img) return this.end(s, 'failed', err.message);
    markBroken(img, reason, this.o.now());
    const why = brokenMessage(img);
    this.record(s, 'image-broken', why);
    this.o.log?.warn({ image: img.name, reason }, 'image marked broken');
    for (const live of this.live().filter((x) => x.image === img.name)) await this.end(live, 'failed', why, { reason: 'fail', detail: why });
  }

  private takeStats(s: SessionRecord): void {
    const st = this.runners.get(s.id)?.stats();
    if (st) {
      s.bytesSent = st.bytesSent;
      s.packetsSent = st.packetsSent;
    }
  }

  private record(s: SessionRecord, event: string, detail: string): void {
    this.o.store.record({ event, sessionId: s.id, image: s.image, detail }, new Date(this.o.now()));
  }

  /** Periodic work (the app calls it about once a second): scheduled starts, throughput, saving. */
  async tick(): Promise<void> {
    const nowMs = this.o.now();
    for (const s of this.live()) {
      if (s.state === 'waiting') {
        const gone = this.waiters.expired(s.id, s.waiting, nowMs, (this.o.longPollMs ?? 0) + WAITER_TTL_MS);
        if (gone.length > 0) {
          s.waiting = s.waiting.filter((w) => !gone.includes(w));
          this.record(s, 'waiters-gone', `${gone.join(', ')} stopped asking; ${s.waiting.length} waiting`);
          this.dirty = true;
        }
        const why = startReason(s, nowMs);
        if (why !== undefined) await this.startWaiting(s, why).catch((err: unknown) => this.o.log?.warn({ sessionId: s.id, err }, 'scheduled start failed'));
        continue;
      }
      this.checkDone(s);
      if (s.state !== 'running') continue;
      // Started ahead of its agents (admin `session start`) and never joined: its group:port and
      // its announces every 10 ms are not kept forever.
      if (s.receivers.length === 0 && (s.lost ?? 0) === 0 && nowMs - Date.parse(s.startedAt ?? '') > UNJOINED_SESSION_MS) {
        await this.end(s, 'cancelled', `no agent joined within ${UNJOINED_SESSION_MS / 60_000} min of the start`);
        continue;
      }
      this.takeStats(s);
      const prev = this.rates.get(s.id);
      if (prev && nowMs > prev.atMs) {
        const bps = ((s.bytesSent - prev.bytes) * 1000) / (nowMs - prev.atMs);
        this.rates.set(s.id, { bytes: s.bytesSent, atMs: nowMs, bps: Math.max(0, Math.round(bps)) });
      } else if (!prev) this.rates.set(s.id, { bytes: s.bytesSent, atMs: nowMs, bps: 0 });
      this.dirty = true;
    }
    if (this.dirty) {
      this.dirty = false;
      this.o.store.save();
      this.emit('change');
    }
  }

  /** DP shutdown: stops every runner without kicking anyone (they resume after restart) and saves. */
  async shutdown(): Promise<void> {
    this.held.releaseAll();
    for (const s of this.live()) this.takeStats(s);
    this.o.store.save();
    const all = [...this.runners.values()];
    this.runners.clear();
    await Promise.all(all.map((r) => r.close().catch(() => undefined)));
    this.o.store.save();
  }
}
