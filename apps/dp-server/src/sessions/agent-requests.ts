// An agent's request for an image, carried out step by step: admission.ts decides each step (look
// the session up, start it, hold the request, join, wait, fall back), this class does it: it
// registers the agent as a client with a fresh receiver id and answers. The sessions themselves
// are the manager's (manager.ts), reached through RequestDesk.
import type { KeyObject } from 'node:crypto';
import { ASSUMED_AGENT_MTU, type AgentRequest, type AgentRequestReply } from '@castpoint/wire';
import type { ClientRecord, ImageRecord } from '../state/types';
import { assertNotBroken } from '../security/image-integrity';
import { ReceiverIdCipher } from '../security/receiver-ids';
import { admit, type AdmissionImage, type AdmissionLimits, type AdmissionRequest } from './admission';
import { cancelNotice, type CancelNotices } from './cancel-notices';
import type { ClientBook, Registration } from './clients';
import { REQUEST_WAIT_MS, withDeadline } from './deadline';
import type { LiveSession } from './live-session';
import type { SessionManagerOptions } from './manager-options';
import { contentPath, notStartedReply } from './replies';
import type { StartReason } from './schedule';

/** What a request needs of the manager: its sessions, and its 'change' event. */
export interface RequestDesk {
  /**
   * The live session of the image at this tier; a new one when there is none (an auto-cast one
   * starts at once, its symbol size chosen for `asker`'s MTU).
   */
  sessionFor(img: ImageRecord, tier: number, asker: { who: string; mtu: number }): Promise<LiveSession>;
  /** Starts a waiting session (its runner), for `why`. */
  startWaiting(s: LiveSession, why: StartReason): Promise<void>;
  liveSessions(): Iterable<LiveSession>;
  /** The `join` answer: the session's group, key and sizes, the manifest, the DP's public key. */
  joinReply(s: LiveSession, img: ImageRecord, receiverId: number): AgentRequestReply;
  /** Something the dashboard shows changed. */
  changed(): void;
}

/** Who asks: the request's address, its MACs, the SQL store's machine name (shown by `client list`). */
type Who = Pick<Registration, 'ip' | 'macs' | 'machine'>;

export type RequestOptions = Pick<SessionManagerOptions, 'store' | 'catalog' | 'now' | 'maxClients' | 'longPollMs'>;

export class AgentRequests {
  private readonly receiverIds: ReceiverIdCipher;

  /** `signer`: the DP's private key, from which receiver ids are permuted (security/receiver-ids.ts). */
  constructor(
    private readonly o: RequestOptions,
    private readonly clients: ClientBook,
    private readonly notices: CancelNotices,
    private readonly desk: RequestDesk,
    signer: KeyObject,
  ) {
    this.receiverIds = ReceiverIdCipher.fromSigningKey(signer);
  }

  /**
   * Answers an agent's request: admit() decides, step by step (find the session, start it, hold
   * the request), until it answers. `source` is the agent's address: with the host name it tells
   * apart machines waiting for a scheduled start, since identical preinstall images often share
   * one host name.
   */
  async answer(req: AgentRequest, source = '', machine?: string): Promise<AgentRequestReply> {
    const img = this.o.catalog.get(req.image);
    assertNotBroken(img);
    await withDeadline(this.o.store.receiverIdsReady(), REQUEST_WAIT_MS, 'reserving receiver ids');
    const waiter = source ? `${req.hostname}@${source}` : req.hostname;
    const prev = req.previousReceiverId !== undefined ? this.clients.byReceiverId(req.previousReceiverId) : undefined;
    const client = prev && prev.image === img.name ? prev : undefined;
    // Older agents do not say: they are assumed on standard Ethernet.
    const mtu = req.mtu ?? ASSUMED_AGENT_MTU;
    const asked = (wasHeld: boolean, nowMs: number): AdmissionRequest => ({ waiter, client, cancelNoticeDue: this.notices.due(img.name, waiter, nowMs), wasHeld, mtu });
    const image = this.admissionImage(img);
    const who: Who = { ip: source || undefined, macs: req.macs, machine };

    const startMs = this.o.now();
    const first = admit(asked(false, startMs), image, undefined, this.limits(client), startMs);
    if (first.kind === 'cancelled') return this.cancelledAnswer(img.name, waiter, startMs);
    if (first.kind !== 'find-session') return this.fallback(img, req, client, first.reason, who);
    const session = await withDeadline(this.desk.sessionFor(img, first.tier, { who: waiter, mtu }), REQUEST_WAIT_MS, `preparing the session for image ${img.name}`);
    // Each step happens at most once: the session starts once, a request is held once.
    for (let wasHeld = false; ; ) {
      const nowMs = this.o.now();
      const d = admit(asked(wasHeld, nowMs), image, session.admission(), this.limits(client), nowMs);
      // Asking for a waiting session makes the agent one of its waiters (toward --min-clients).
      if (d.kind === 'start' || d.kind === 'hold' || (d.kind === 'not-started' && !wasHeld)) session.enrol(waiter, nowMs, mtu);
      switch (d.kind) {
        case 'cancelled':
          return this.cancelledAnswer(img.name, waiter, nowMs);
        case 'fallback':
          return this.fallback(img, req, client, d.reason, who);
        case 'start':
          await withDeadline(this.desk.startWaiting(session, d.why), REQUEST_WAIT_MS, `starting the session for image ${img.name}`);
          break;
        case 'hold':
          this.desk.changed();
          await session.hold(d.ms);
          session.seen(waiter, this.o.now());
          wasHeld = true;
          break;
        case 'not-started':
          if (!wasHeld) this.desk.changed();
          return notStartedReply(session.record, d.retryAfterMs);
        case 'full':
          return { status: 'wait', retryAfterMs: d.retryAfterMs, reason: d.reason };
        case 'join':
          return this.join(img, req, client, session, waiter, nowMs, who);
      }
    }
  }

  private admissionImage(img: ImageRecord): AdmissionImage {
    const manifest = this.o.catalog.manifest(img);
    return { multicastOnly: img.settings.multicastOnly, allZeros: manifest.zeroChunks.length >= manifest.chunks.length };
  }

  private limits(client: ClientRecord | undefined): AdmissionLimits {
    return { maxClients: this.o.maxClients, activeClients: this.clients.activeCount(client?.id), longPollMs: this.o.longPollMs ?? 0 };
  }

  private cancelledAnswer(image: string, waiter: string, nowMs: number): never {
    this.notices.take(image, waiter, nowMs);
    throw cancelNotice(image);
  }

  private join(img: ImageRecord, req: AgentRequest, client: ClientRecord | undefined, session: LiveSession, waiter: string, nowMs: number, who: Who): AgentRequestReply {
    const receiverId = this.allocateReceiverId();
    const c = this.clients.register(client, { receiverId, hostname: req.hostname, image: img.name, nowMs, chunksDone: req.chunksDone, totalChunks: img.chunks, ...who });
    c.sessionId = session.id;
    c.state = 'waiting';
    session.addReceiver(receiverId, waiter);
    // A resumed agent replaces its old registration: the old id will never send again. Removed
    // only after the new one is in, so that the engine never sees its last receiver leave (it
    // would call the session finished under the agent that is rejoining it).
    const old = client?.receiverIds.slice(0, -1) ?? [];
    if (old.length > 0) for (const s of this.desk.liveSessions()) s.forgetReceivers(old);
    this.o.store.record({ event: 'client-joined', sessionId: session.id, image: img.name, clientId: c.id, detail: `${req.hostname} as receiver ${receiverId}` }, new Date(nowMs));
    this.o.store.save();
    this.desk.changed();
    return this.desk.joinReply(session, img, receiverId);
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

  private fallback(img: ImageRecord, req: AgentRequest, client: ClientRecord | undefined, reason: string, who: Who): AgentRequestReply {
    const nowMs = this.o.now();
    const receiverId = this.allocateReceiverId();
    const c = this.clients.register(client, { receiverId, hostname: req.hostname, image: img.name, nowMs, chunksDone: req.chunksDone, totalChunks: img.chunks, ...who });
    c.state = 'fallback';
    c.fallback = true;
    delete c.sessionId;
    c.message = reason;
    this.o.store.record({ event: 'client-fallback', image: img.name, clientId: c.id, detail: reason }, new Date(nowMs));
    this.o.store.save();
    this.desk.changed();
    const manifest = this.o.catalog.manifest(img);
    return { status: 'fallback', receiverId, reason, manifest, contentPath: contentPath(img.name, manifest), ...(img.content ? { content: img.content } : {}) };
  }
}
